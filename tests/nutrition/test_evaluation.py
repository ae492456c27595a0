"""The evaluation lines (bench/data/nutrition_lines.jsonl) keep their numbers: food matching
precision at least 0.9 and amounts within ±25 % (docs/nutrition.md reports the full run)."""

from __future__ import annotations

from bench.nutrition_eval import evaluate, load_lines

from mediasift.nutrition import FoodMatcher


def test_evaluation_set_is_large_enough_and_bilingual():
    lines = load_lines()
    assert len(lines) >= 30
    assert {line.language for line in lines} == {"en", "es"}


def test_precision_and_amounts_without_the_embedding_step():
    scores = evaluate(FoodMatcher())
    overall = scores["all"]
    assert overall.precision >= 0.9, overall.errors
    assert overall.recall >= 0.9, overall.errors
    assert overall.amount_accuracy >= 0.9, overall.errors
    assert overall.unknown_kept == overall.unknown
