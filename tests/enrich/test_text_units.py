from mediasift.enrich.spanish_patterns import find_dates_and_quantities
from mediasift.enrich.text_units import Segment, split_sentences, within_budget


def test_sentences_end_at_punctuation_but_not_after_titles_or_initials():
    text = "Dr. Smith paid $2.5 million. ¿Qué tal? ¡Muy bien! J. R. R. Tolkien wrote it.\n\nA new paragraph"
    assert split_sentences(text) == [
        "Dr. Smith paid $2.5 million.",
        "¿Qué tal?",
        "¡Muy bien!",
        "J. R. R. Tolkien wrote it.",
        "A new paragraph",
    ]


def test_within_budget_everything_is_read():
    segments = [Segment(str(i), "word " * 10) for i in range(10)]
    chosen, coverage = within_budget(segments, max_chars=1000)
    assert chosen == segments and coverage.complete and coverage.note() is None


def test_over_budget_windows_spread_from_start_to_end():
    segments = [Segment(str(i), "x" * 100) for i in range(1000)]
    chosen, coverage = within_budget(segments, max_chars=2000, windows=10)
    assert coverage.chars_read == 2000 and coverage.segments_read == 20
    ids = [int(s.segment_id) for s in chosen]
    assert ids[0] == 0 and ids[-1] >= 900
    assert coverage.to_dict()["complete"] is False
    assert coverage.note().startswith("read 2,000 of 100,000 characters (2%)")


def test_spanish_dates_and_quantities():
    text = "El 3 de marzo de 2021 pagamos 2.000 millones de euros, un 3,2 por ciento más, a las 10:30."
    assert [(text[a:b], kind) for a, b, kind in find_dates_and_quantities(text)] == [
        ("3 de marzo de 2021", "DATE"),
        ("2.000 millones de euros", "QUANTITY"),
        ("3,2 por ciento", "QUANTITY"),
        ("10:30", "DATE"),
    ]


def test_a_bare_number_is_neither_a_date_nor_a_quantity():
    assert list(find_dates_and_quantities("Vinieron 1998 personas y 40 niños.")) == []
