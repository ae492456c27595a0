import pytest

from mediasift.enrich.language import detect_language, query_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Keep the refrigerator at four degrees and check the door seal every month.", "en"),
        ("La temperatura del agua para el café debe ser de noventa grados en la máquina.", "es"),
        ("Descale the boiler every three months with citric acid.", "en"),
        ("El menú del día incluye sopa de tomate y pan para todos.", "es"),
    ],
)
def test_english_and_spanish_sentences(text: str, language: str):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "FRESH ORANGE JUICE", "SKU-1234 42 17", "Hola world"])
def test_too_little_evidence_is_no_guess(text: str):
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("how often should I oil my bike chain", "en"),
        ("how much sun does basil need", "en"),
        ("¿cada cuánto se engrasa la cadena de la bici?", "es"),
        ("cuánto sol necesita la albahaca", "es"),
        ("tren nocturno Lisboa andén", "es"),
        ("Lisbon night train", None),
        ("espresso", None),
    ],
)
def test_a_short_query_is_told_by_its_question_words_and_marks(query: str, language: str | None):
    assert query_language(query) == language


def test_short_captions_titles_and_rows_take_a_language_a_photos_text_does_not():
    # left unknown, a search filtered to English never found a video's on-screen captions
    from mediasift.domain import Modality, Segment
    from mediasift.enrich.language import label_languages
    from mediasift.extract.base import Extraction

    def seg(
        modality: Modality, text: str, start_s: float | None = None, language: str | None = None
    ) -> Segment:
        return Segment(
            id=text,
            media_id="m",
            tenant_id="t",
            modality=modality,
            text=text,
            start_s=start_s,
            language=language,
        )

    said = seg(Modality.SPEECH, "The ferry leaves at nine and the parking closes at ten.", 6.0, "en")
    video = Extraction(
        segments=[
            said,
            seg(Modality.OCR, "PARKING CLOSES AT NINE", 1.0),
            seg(Modality.OCR, "FRESH MANGO SMOOTHIES", 13.0),
            seg(Modality.OCR, "ABIERTO DE LUNES A SÁBADO", 20.0),
        ]
    )
    label_languages(video)
    assert [s.language for s in video.segments] == ["en", "en", "en", "es"]
    photo = Extraction(segments=[seg(Modality.OCR, "FRESH MANGO SMOOTHIES")])
    label_languages(photo)
    assert photo.segments[0].language is None
    # a slide's title and a table's row take their document's
    deck = Extraction(
        segments=[
            seg(Modality.TEXT, "The sales of the quarter grew in every region of the company."),
            seg(Modality.TEXT, "Northwind Traders"),
            seg(Modality.TEXT, "Dmitri Volkov | 4432"),
        ]
    )
    label_languages(deck)
    assert [s.language for s in deck.segments] == ["en", "en", "en"]
