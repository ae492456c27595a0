"""Typo tolerance: a question's word still counts in a text that holds it one slip away."""

from __future__ import annotations

import pytest

from mediasift.enrich.typos import asked_words, held


@pytest.mark.parametrize(
    ("question", "text", "words"),
    [
        # a recogniser's misreading, one letter replaced (and the plural's s gone)
        ("¿cuándo se ponen en remojo las lentejas?", "La genteja se deja en remojo la noche anterior.", 2),
        # a caption cut at the frame's edge: the word it shows begins the question's
        ("which platform do trains to Valencia leave from", "ATFORM 4 TRAINS TO VALEN", 2),
        # one letter left out, and one too many
        ("how do I keep slugs away from lettuce", "Keep slugs away from letuce with eggshells.", 4),
        ("how do I keep slugs away from lettuce", "Keep slugs away from lettucce with eggshells.", 4),
        # accents and stems as terms() folds them
        ("¿qué días abre el mercado central?", "El mercado abre los dias de fiesta.", 3),
        # two letters apart, or a shared beginning only, is another word
        ("¿qué días abre el mercado central?", "El mercamot entra la hue de lunes a savalo.", 0),
        ("which platform do trains leave from", "The platypus is a mammal.", 0),
    ],
)
def test_a_word_one_slip_away_counts_as_held(question: str, text: str, words: int) -> None:
    assert held(text, asked_words(question)) == words


def test_short_words_must_match_exactly() -> None:
    # "bici" and "bike" are four letters: one letter is most of what tells such words apart
    assert held("the bice and the boke", asked_words("bici bike")) == 0
    assert held("la bici", asked_words("bici")) == 1


def test_question_words_and_repeats_count_once_or_not_at_all() -> None:
    words = asked_words("how long and how often should the ferry ferry run")
    assert len(words) == 2  # ferry (once), run: "how", "long", "often", "should" ask, they say nothing
    assert held("The ferry runs every twenty minutes.", words) == 2


def test_without_typos_only_a_words_own_stems_count() -> None:
    question = "¿cuándo se ponen en remojo las lentejas?"
    text = "La genteja se deja en remojo la noche anterior."
    assert held(text, asked_words(question, typos=False)) == 1
    assert held("Las lentejas, en remojo.", asked_words(question, typos=False)) == 2
