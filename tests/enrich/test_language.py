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
