"""Citation checking: invented numbers go, real ones point at the sentence and second they quote."""

from __future__ import annotations

from mediasift.answer.sentences import sentence_units, split_sentences
from mediasift.domain import Hit
from mediasift.services.ask import CitationFilter, build_prompt, clean_citations, resolve_citations

LAKE = Hit(  # cited as [1]
    segment_id="s1",
    media_id="m1",
    filename="talk.mp4",
    kind="video",
    modality="speech",
    text="The water in the lake reached twenty degrees. Charge the battery before a journey.",
    start_s=1.5,
    end_s=12.0,
    meta={
        "parts": [
            {"start_s": 1.5, "end_s": 5.0, "text": "The water in the lake reached twenty degrees."},
            {"start_s": 7.0, "end_s": 12.0, "text": "Charge the battery before a journey."},
        ]
    },
)
MANUAL = Hit(  # cited as [2]
    segment_id="s2",
    media_id="m2",
    filename="manual.pdf",
    kind="document",
    modality="text",
    text="Keep the fridge at four degrees. Defrost the freezer monthly.",
    page=3,
)


def test_invented_citation_numbers_are_dropped_and_counted():
    text, dropped = clean_citations("Twenty degrees [1][9]. Four degrees [2, 7]. Nothing [12].", {1, 2})
    assert text == "Twenty degrees [1]. Four degrees [2]. Nothing."
    assert dropped == 3


def test_streamed_markers_cut_between_chunks_are_checked_whole():
    chunks = ["Twenty deg", "rees [", "1] and more [", "9", "]. Fo", "ur [2]", "."]
    f = CitationFilter({1, 2})
    streamed = "".join(f.feed(c) for c in chunks) + f.flush()
    assert streamed == "Twenty degrees [1] and more. Four [2]."
    assert f.dropped == 1
    assert streamed == clean_citations("".join(chunks), {1, 2})[0]


def test_citation_points_at_the_second_the_quoted_sentence_is_said():
    [citation] = resolve_citations("You should charge the battery first [1].", [LAKE, MANUAL])
    assert (citation.n, citation.hit.filename, citation.hit.start_s, citation.hit.end_s) == (
        1,
        "talk.mp4",
        7.0,
        12.0,
    )
    assert citation.quote == "Charge the battery before a journey."
    assert citation.as_json() == {
        "n": 1,
        "segment_id": "s1",
        "media_id": "m1",
        "filename": "talk.mp4",
        "kind": "video",
        "modality": "speech",
        "start_s": 7.0,
        "end_s": 12.0,
        "page": None,
        "quote": "Charge the battery before a journey.",
    }


def test_citation_of_a_document_quotes_its_page():
    citations = resolve_citations("Defrost it every month [2]. The lake is warm [1].", [LAKE, MANUAL])
    assert [c.n for c in citations] == [2, 1]
    assert citations[0].hit.page == 3 and citations[0].quote == "Defrost the freezer monthly."
    assert citations[1].hit.start_s == 1.5


def test_prompt_numbers_every_source_and_asks_for_citations():
    prompt = build_prompt("How warm is the lake?", [LAKE, MANUAL])
    assert "[1] talk.mp4 @ 00:01-00:12 (video, speech)" in prompt.user
    assert "[2] manual.pdf p. 3 (document, text)" in prompt.user
    assert prompt.user.endswith("Question: How warm is the lake?")
    assert "square brackets" in prompt.system and "Not found in your media." in prompt.system


def test_sentences_of_a_timed_part_share_its_time_by_length():
    part = {"start_s": 10.0, "end_s": 20.0, "text": "Short one. And a second sentence, longer."}
    src = Hit(
        segment_id="s", media_id="m", filename="a.wav", kind="audio", modality="speech", text="",
        meta={"parts": [part]},
    )  # fmt: skip
    first, second = sentence_units(src, 1)
    assert first.start_s == 10.0 and 12.0 < first.end_s < 13.0 and second.end_s == 20.0
    assert split_sentences("¿Dónde está? Está aquí.\n\nOtro párrafo") == [
        "¿Dónde está?",
        "Está aquí.",
        "Otro párrafo",
    ]
