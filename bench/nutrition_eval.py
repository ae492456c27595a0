"""Benchmark: food matching and amount parsing on the hand-written ingredient lines.

    python -m bench.nutrition_eval [--no-embeddings] [--threads 2] [--threshold 0.92]

bench/data/nutrition_lines.jsonl (development: the parser was tuned on it) and
nutrition_lines_heldout.jsonl (written afterwards, scored once as the code stood) hold English and
Spanish lines as said in a cooking video or written on screen, each with its gold foods (table
rows; several ids where two rows are equally right) and the grams a cook means (``null`` when no
amount is said). Negated foods and tools ("no le pongas azúcar", "a bread knife") are *not*
gold: counting them is a false positive.

Printed, overall and per language:
- food matching: precision and recall of the matched rows (a line's predicted food ids against
  its gold ids), and how many gold unknown words were kept unmatched rather than forced onto a row;
- amounts: of the gold foods with grams that were found, the share within ±25 % of the gold grams;
- cost: milliseconds per line, and the one-off seconds to embed the table's names.
Results are also written to bench/results/nutrition_eval.json.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediasift.nutrition import FoodMatcher, analyse
from mediasift.nutrition.matching import DEFAULT_THRESHOLD

DATA = Path(__file__).resolve().parent / "data" / "nutrition_lines.jsonl"
# written after the parser was tuned on DATA, and scored once as it stood
HELDOUT = Path(__file__).resolve().parent / "data" / "nutrition_lines_heldout.jsonl"
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Line:
    language: str
    text: str
    foods: list[dict[str, Any]]


@dataclass
class _Segment:
    modality: str
    text: str
    start_s: float | None
    end_s: float | None
    language: str | None


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    amounts: int = 0
    amounts_ok: int = 0
    unknown: int = 0
    unknown_kept: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def amount_accuracy(self) -> float:
        return self.amounts_ok / self.amounts if self.amounts else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "amount_accuracy": round(self.amount_accuracy, 3),
            "amounts": self.amounts,
            "unknown_kept": f"{self.unknown_kept}/{self.unknown}",
        }


def load_lines(path: Path = DATA) -> list[Line]:
    return [Line(**json.loads(row)) for row in path.read_text(encoding="utf-8").splitlines() if row.strip()]


def score_line(line: Line, matcher: FoodMatcher, score: Score) -> None:
    result = analyse([_Segment("speech", line.text, 0.0, 5.0, line.language)], matcher=matcher)
    predicted = {f.food_id: f for f in result.foods if f.food_id}
    unmatched = {f.name.casefold(): f for f in result.foods if not f.food_id}
    claimed: set[str] = set()
    for gold in line.foods:
        if gold["food"] is None:
            score.unknown += 1
            if gold["words"].casefold() in unmatched:
                score.unknown_kept += 1
            else:
                score.errors.append(f"{line.text!r}: {gold['words']!r} not kept unmatched")
            continue
        hit = next((i for i in gold["food"] if i in predicted and i not in claimed), None)
        if hit is None:
            score.fn += 1
            score.errors.append(f"{line.text!r}: missed {gold['food'][0]}")
            continue
        score.tp += 1
        claimed.add(hit)
        if gold["grams"] is not None:
            score.amounts += 1
            got = predicted[hit].amount_g
            if got is not None and abs(got - gold["grams"]) <= 0.25 * gold["grams"]:
                score.amounts_ok += 1
            else:
                score.errors.append(f"{line.text!r}: {hit} {got} g, gold {gold['grams']} g")
    for food_id in predicted.keys() - claimed:
        score.fp += 1
        score.errors.append(f"{line.text!r}: extra {food_id} ({predicted[food_id].matched_by})")


def evaluate(matcher: FoodMatcher, lines: list[Line] | None = None) -> dict[str, Score]:
    """Scores overall ("all") and per language."""
    lines = lines if lines is not None else load_lines()
    scores = {"all": Score(), "en": Score(), "es": Score()}
    for line in lines:
        for key in ("all", line.language):
            score_line(line, matcher, scores[key])
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-embeddings", action="store_true", help="skip the nearest-neighbour step")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    embedder = None
    vectors_s = 0.0
    if not args.no_embeddings:
        from mediasift.embed.text.e5 import E5SmallEmbedder

        embedder = E5SmallEmbedder(threads=args.threads)
    matcher = FoodMatcher(embedder=embedder, threshold=args.threshold)
    if embedder is not None:
        started = time.perf_counter()
        matcher.match("quinotto", "es")  # embeds the table's names once
        vectors_s = time.perf_counter() - started
    report: dict[str, Any] = {"matcher": matcher.version, "table": matcher.table.version}
    for name, path in (("development", DATA), ("heldout", HELDOUT)):
        lines = load_lines(path)
        started = time.perf_counter()
        scores = evaluate(matcher, lines)
        per_line_ms = 1000 * (time.perf_counter() - started) / len(lines) / 2  # each line is scored twice
        report[name] = {
            "lines": len(lines),
            "scores": {k: v.to_dict() for k, v in scores.items()},
            "ms_per_line": round(per_line_ms, 1),
            "errors": scores["all"].errors,
        }
        print(f"{name} ({len(lines)} lines, {per_line_ms:.1f} ms per line)")
        for key, score in scores.items():
            print(f"  {key:>3}: {json.dumps(score.to_dict())}")
        for error in scores["all"].errors:
            print("    -", error)
    report["name_vectors_s"] = round(vectors_s, 1)
    print(f"table names embedded in {vectors_s:.1f} s")
    RESULTS.mkdir(exist_ok=True)
    name = "nutrition_eval" + ("_no_embeddings" if embedder is None else "") + ".json"
    (RESULTS / name).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
