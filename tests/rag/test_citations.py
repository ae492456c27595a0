"""Citation checking: invented numbers go, real ones point at the sentence and second they quote."""

from __future__ import annotations

from mediasift.answer.sentences import sentence_texts, sentence_units, split_sentences
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
        "quotes": [
            {"quote": "Charge the battery before a journey.", "start_s": 7.0, "end_s": 12.0, "page": None}
        ],
    }


def test_two_sentences_quoted_from_one_source_each_keep_their_second():
    [citation] = resolve_citations(
        "The lake reached twenty degrees [1]. Charge the battery before a journey [1].", [LAKE, MANUAL]
    )
    assert (citation.hit.start_s, citation.quote) == (1.5, "The water in the lake reached twenty degrees.")
    assert [(q["quote"], q["start_s"], q["end_s"]) for q in citation.as_json()["quotes"]] == [
        ("The water in the lake reached twenty degrees.", 1.5, 5.0),
        ("Charge the battery before a journey.", 7.0, 12.0),
    ]


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


def speech(filename: str, parts: list[dict]) -> Hit:
    """A speech source as search hands it to ask: its text, and the recogniser's timed parts."""
    return Hit(
        segment_id="s", media_id="m", filename=filename, kind="audio", modality="speech",
        text=" ".join(p["text"] for p in parts), meta={"parts": parts},
    )  # fmt: skip


def test_a_sentence_the_recogniser_cut_across_two_parts_is_one_and_spans_both():
    # LibriVox's Sense and Sensibility as Whisper parted it: a pause inside the sentence.
    parts = [
        {"start_s": 0.0, "end_s": 6.0, "text": "And Mr. John Dashwood had then leisure to consider how much"},
        {"start_s": 6.5, "end_s": 10.0, "text": "there might be prudently in his power to do for them."},
        {"start_s": 10.5, "end_s": 13.0, "text": "He was not an ill-disposed young man."},
    ]
    src = speech("austen.mp3", parts)
    first, second = sentence_units(src, 1)
    assert first.text == (
        "And Mr. John Dashwood had then leisure to consider how much there might be prudently in his "
        "power to do for them."
    )  # one sentence: neither the part's end nor "Mr." closes it
    assert (first.start_s, first.end_s) == (0.0, 10.0)
    assert (second.text, second.start_s, second.end_s) == (
        "He was not an ill-disposed young man.",
        10.5,
        13.0,
    )
    assert sentence_texts(src.text, src.meta) == [first.text, second.text]  # what ingest embeds


def test_speech_the_recogniser_left_unpunctuated_has_a_sentence_at_each_pause():
    # A synthetic garden podcast as Whisper once wrote it: no end mark anywhere. Read as one text it
    # was one "sentence" of the whole chunk, quoted for any gardening question.
    parts = [
        {"start_s": 0.0, "end_s": 4.1, "text": "prune the rose bushes in late February, just above a bud"},
        {"start_s": 4.3, "end_s": 8.0, "text": "turn the compost heap every two weeks"},
        {"start_s": 8.4, "end_s": 11.9, "text": "keep slugs away from lettuce with copper tape"},
    ]
    src = speech("garden.wav", parts)
    units = sentence_units(src, 1)
    assert [(u.text, u.start_s, u.end_s) for u in units] == [
        (p["text"], p["start_s"], p["end_s"]) for p in parts
    ]
    # punctuated speech still runs on across a pause, but not for ever
    long = [
        {"start_s": float(i), "end_s": i + 0.9, "text": "and then we talked about the garden " * 3}
        for i in range(4)
    ]
    long[-1]["text"] += "until dusk."
    talk = speech("garden.wav", long)
    cut = sentence_units(talk, 1)
    assert [(u.start_s, u.end_s) for u in cut] == [(0.0, 2.9), (3.0, 3.9)]  # cut at the pause past 300


def test_times_written_with_a_dot_end_no_sentence_and_a_part_in_capitals_begins_one():
    # An itinerary as Whisper wrote it: "8.50" and "3.00" took for end marks made the whole chunk
    # one run-on "sentence", quoted at 00:01 for the whisky tour said at 00:20.
    parts = [
        {"start_s": 1.3, "end_s": 6.5, "text": "Our train to Edinburgh leaves at 8.50 on Friday morning"},
        {"start_s": 7.9, "end_s": 12.8, "text": "We arrive in Edinburgh at 12.40 and check in at the hotel"},
        {"start_s": 19.9, "end_s": 25.3, "text": "The whisky tour starts at 3.00 and costs 40 pounds"},
        {"start_s": 27.4, "end_s": 31.7, "text": "We fly back home on Sunday, 6 in the evening."},
    ]
    units = sentence_units(speech("trip.wav", parts), 1)
    assert [(u.text, u.start_s, u.end_s) for u in units] == [
        (p["text"], p["start_s"], p["end_s"]) for p in parts
    ]


def test_a_sentence_a_chunk_cut_is_quoted_whole_from_the_two_chunks_joined():
    from mediasift.services.ask import _sentences_whole

    def chunk(sid: str, ordinal: int, start: float, end: float, text: str) -> Hit:
        return Hit(
            segment_id=sid, media_id="m", filename="austen.mp3", kind="audio", modality="speech",
            text=text, start_s=start, end_s=end, ordinal=ordinal, language="en", score=0.9,
            meta={"parts": [{"start_s": start, "end_s": end, "text": text}]},
        )  # fmt: skip

    first = chunk(
        "a", 0, 0.0, 19.0, "He was not selfish. Had he married a more amiable woman, he might have been made"
    )
    second = chunk(
        "b",
        1,
        19.0,
        24.0,
        "still more respectable than he was. He might even have been made amiable himself.",
    )
    elsewhere = chunk("c", 2, 40.0, 44.0, "and so it ended.")  # lower case, but not where "b" ends
    (joined, last) = _sentences_whole([first, second, elsewhere])
    assert (joined.segment_id, joined.start_s, joined.end_s) == ("a", 0.0, 24.0) and last is elsewhere
    quoted = [u.text for u in sentence_units(joined, 1)]
    assert (
        "Had he married a more amiable woman, he might have been made still more respectable than he was."
        in quoted
    )
    # a chunk that ends its sentence, or a next one opening a sentence of its own, stays apart
    ended = chunk("d", 0, 0.0, 19.0, "He was not selfish.")
    assert _sentences_whole([ended, second]) == [ended, second]
    opens = chunk("e", 1, 19.0, 24.0, "Still more respectable.")
    assert _sentences_whole([first, opens]) == [first, opens]


def test_a_line_in_capitals_is_quoted_apart_from_the_sentence_below_it():
    notice = (
        "NOTICE OF WATER SUPPLY INTERRUPTION\n"
        "The water supply on Calle Olmo is cut off on\nTuesday from nine to noon."
    )
    assert split_sentences(notice) == [
        "NOTICE OF WATER SUPPLY INTERRUPTION",
        "The water supply on Calle Olmo is cut off on Tuesday from nine to noon.",  # wrapped: one
    ]
    # a heading in lower case stays with its passage, as a slide's title with its bullets
    assert split_sentences("Offsite agenda\nDay one: strategy workshop\nDay two: hiking") == [
        "Offsite agenda Day one: strategy workshop Day two: hiking"
    ]
