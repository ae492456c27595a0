from mediasift.enrich.keywords import extract_keywords
from mediasift.enrich.summary import summarize
from tests.enrich.conftest import transcript


def test_english_class_keywords_name_its_subject(e5):
    keywords = extract_keywords(transcript("en"), "en", e5)
    texts = [k.text for k in keywords.items]
    assert len(texts) == 10 and len(set(texts)) == 10
    assert {"sourdough", "dough", "starter"} <= set(texts)
    assert all(0 <= k.score <= 1 for k in keywords.items)
    assert keywords.items == sorted(keywords.items, key=lambda k: -k.score)


def test_spanish_class_keywords_name_its_subject(e5):
    texts = [k.text for k in extract_keywords(transcript("es"), "es", e5).items]
    assert {"espresso", "café"} <= set(texts[:3])
    assert not {"minutos", "gramos", "de", "el"} & set(texts)


def test_verbs_and_adverbs_between_stopwords_are_no_keywords(e5):
    # Before: "baking" in the English class's ten, "preparar" and "espresso queda" in the Spanish.
    english = [k.text for k in extract_keywords(transcript("en"), "en", e5).items]
    spanish = [k.text for k in extract_keywords(transcript("es"), "es", e5).items]
    assert not {"baking", "bake"} & set(english) and {"oven", "gluten"} <= set(english), english
    assert not {"preparar", "espresso queda"} & set(spanish), spanish
    podcast = [
        ("p1", "La tortilla de patatas se deja reposar. Deja reposar el gazpacho en la nevera.", 0.0, None)
    ]
    assert not {"deja", "deja reposar", "reposar"} & {
        k.text for k in extract_keywords(podcast, "es", e5).items
    }


def test_keywords_without_a_model_still_come_from_the_text():
    texts = [k.text for k in extract_keywords(transcript("en"), "en").items]
    assert {"dough", "starter"} <= set(texts)


def test_empty_text_has_no_keywords_and_no_summary(e5):
    assert extract_keywords([("s", "", 0.0, None)], "en", e5).items == []
    assert summarize([("s", "  ", 0.0, None)], "en", e5).items == []


def _check_points_back(summary, segments) -> None:  # type: ignore[no-untyped-def]
    by_id = {sid: (text, start) for sid, text, start, _ in segments}
    assert 3 <= len(summary.items) <= 5
    for sentence in summary.items:
        text, start = by_id[sentence.segment_id]
        assert sentence.text in text and sentence.start_s == start
    starts = [s.start_s for s in summary.items]
    assert starts == sorted(starts)


def test_english_summary_sentences_point_to_their_seconds(e5):
    segments = transcript("en")
    summary = summarize(segments, "en", e5)
    _check_points_back(summary, segments)
    assert any("dough" in s.text or "flour" in s.text for s in summary.items)


def test_spanish_summary_sentences_point_to_their_seconds(e5):
    segments = transcript("es")
    summary = summarize(segments, "es", e5)
    _check_points_back(summary, segments)
    assert any("espresso" in s.text for s in summary.items)
    assert summary.to_list()[0].keys() == {"text", "segment_id", "start_s", "page"}


def test_a_short_text_is_its_own_summary(e5):
    segments = [
        ("p1", "The invoice is due on Friday. Pay it by bank transfer to the usual account.", None, 1)
    ]
    summary = summarize(segments, "en", e5)
    assert [(s.text, s.page) for s in summary.items] == [
        ("The invoice is due on Friday.", 1),
        ("Pay it by bank transfer to the usual account.", 1),
    ]


def test_a_500_page_document_is_summarised_within_bounds(e5):
    pages = [
        (
            f"p{i}",
            f"Page {i} explains how the boiler of an espresso machine keeps water at 93 degrees. " * 20,
            None,
            i,
        )
        for i in range(1, 501)
    ]
    summary = summarize(pages, "en", e5)
    keywords = extract_keywords(pages, "en", e5)
    assert not summary.coverage.complete and summary.coverage.note()
    assert 1 <= len(summary.items) <= 5  # the repeated sentence counts once per distinct text
    assert "boiler" in {k.text for k in keywords.items} or "espresso machine" in {
        k.text for k in keywords.items
    }


# LibriVox's Sense and Sensibility (pocketsphinx-testdata) as the recogniser chunked it: the cut at
# 18.968 s falls inside a sentence.
AUSTEN = [
    (
        "s1",
        "And Mr. John Dashwood had then leisure to consider how much there might be prudently in his "
        "power to do for them. He was not an ill-disposed young man, unless to be rather cold-hearted "
        "and rather selfish is to be ill-disposed. Had he married a more amiable woman, he might have "
        "been made",
        0.088,
        None,
    ),
    ("s2", "still more respectable than he was. He might even have been made amiable himself.", 18.968, None),
]


def test_a_sentence_a_transcript_chunk_cut_is_summarised_whole_at_its_start(e5):
    summary = summarize(AUSTEN, "en", e5)
    joined = (
        "Had he married a more amiable woman, he might have been made still more respectable than he was."
    )
    assert joined in [s.text for s in summary.items], summary.items
    assert next(s for s in summary.items if s.text == joined).segment_id == "s1"
    assert "still more respectable than he was." not in [s.text for s in summary.items]
    # a page of a document is not a transcript: its last words stay its own
    pages = [(pid, text, None, n) for n, (pid, text, _, _) in enumerate(AUSTEN, 1)]
    assert "still more respectable than he was." in [s.text for s in summarize(pages, "en", e5).items]


def test_a_phrase_said_only_inside_a_longer_keyword_is_not_one_of_its_own(e5):
    texts = [k.text for k in extract_keywords(AUSTEN, "en", e5).items]
    assert "Mr John Dashwood" in texts or "John Dashwood" in texts, texts
    assert len([t for t in texts if "John" in t]) == 1, texts  # not also "John", "Mr John"
    assert "young man" in texts and "man" not in texts, texts
    assert {"amiable", "amiable woman"} <= set(texts)  # "amiable" is also said alone


def test_a_sign_s_lines_in_capitals_are_no_phrase_across_them(e5):
    # OCR of a market stall and a museum sign: each line its own, while a page's wrapped line runs on
    stall = [("f1", "FRESH FISH\nDAILY SPECIALS\nHANDMADE LEATHER BAGS", 12.5, None, "en")]
    shown = {k["text"].lower() for k in extract_keywords(stall, "en", e5).to_list()}
    assert {"fresh fish", "daily specials", "handmade leather bags"} <= shown, shown
    assert not {"fish daily", "fresh fish daily", "fish daily specials"} & shown, shown
    sign = [("f2", "MUSEO DE CERÁMICA\nHORARIO DE VISITAS\nMARTES A DOMINGO", 3.0, None, "es")]
    shown = {k["text"].lower() for k in extract_keywords(sign, "es", e5).to_list()}
    assert {"museo de cerámica", "horario de visitas"} <= shown and "cerámica horario" not in shown, shown
    page = [("p1", "The boiler must be descaled every\nthree months with citric acid.", None, 2, "en")]
    assert "citric acid" in {k["text"] for k in extract_keywords(page, "en", e5).to_list()}


def test_a_heading_is_no_part_of_the_first_sentence_of_its_section():
    from mediasift.enrich.text_units import split_sentences

    page = "Fuel and supplies\nThe diesel generator consumes twelve litres a day. It runs\nfrom dusk to dawn."
    assert split_sentences(page) == [
        "Fuel and supplies",
        "The diesel generator consumes twelve litres a day.",
        "It runs from dusk to dawn.",
    ]


def test_a_chunks_opening_piece_of_a_sentence_is_not_a_summary_line():
    # chunks overlap: the next starts inside a sentence its previous one holds whole
    from mediasift.enrich.summary import summarize

    first = (
        "El arrendatario pagará una renta mensual de novecientos cincuenta euros, que se pagará "
        "los cinco primeros días de cada mes. La fianza es de dos mensualidades y se devuelve al "
        "final del contrato. El piso se entrega amueblado y con la cocina equipada por completo."
    )
    second = (
        "cincuenta euros, que se pagará los cinco primeros días de cada mes. El arrendatario "
        "cuidará la vivienda y avisará de cualquier avería que encuentre en ella durante el año."
    )
    summary = summarize([("a", first, None, 1), ("b", second, None, 1)], "es")
    assert summary.items and not any(s.text.startswith("cincuenta euros") for s in summary.items)
