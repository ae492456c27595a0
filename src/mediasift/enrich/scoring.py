"""Scores of enrichment output against hand-labelled sets (tests and ``bench/enrich_quality.py``).

NER is scored per sentence on ``(text, type)`` pairs. *Strict*: the same text after the merge's
normalisation (case, accents, a leading article). *Lenient*: one text contains the other on word
boundaries ("less than 5 grams" for "5 grams"). A gold type may read ``"A|B"`` where both readings
are fair (Wimbledon the tournament, or the place).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mediasift.enrich.entities import normalise


@dataclass(frozen=True)
class PRF:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def _same_text(gold: str, found: str, lenient: bool) -> bool:
    g, f = normalise(gold), normalise(found)
    if g == f:
        return True
    if not lenient:
        return False
    short, long = sorted((g, f), key=len)
    return bool(short) and re.search(rf"(?<!\w){re.escape(short)}(?!\w)", long) is not None


Pairs = Sequence[tuple[str, str]]


def score_entities(gold: Pairs, found: Pairs, lenient: bool = False, typed: bool = True) -> PRF:
    """One sentence: each gold pair matches at most one found pair."""
    unmatched = list(found)
    tp = 0
    for text, kinds in gold:
        for i, (ftext, fkind) in enumerate(unmatched):
            if (not typed or fkind in kinds.split("|")) and _same_text(text, ftext, lenient):
                tp += 1
                del unmatched[i]
                break
    return PRF(tp, len(unmatched), len(gold) - tp)


def per_type(gold: Pairs, found: Pairs, kind: str, lenient: bool = False) -> PRF:
    """Precision/recall of one type: gold pairs that may be ``kind``, found pairs that are."""
    g = [(t, k) for t, k in gold if kind in k.split("|")]
    f = [(t, k) for t, k in found if k == kind]
    return score_entities([(t, kind) for t, _ in g], f, lenient)


LabelSets = Sequence[Iterable[str]]


def macro_f1(predicted: LabelSets, gold: LabelSets, labels: Sequence[str]) -> float:
    """Mean over labels of each label's F1 across items (multi-label)."""
    return sum(label_prf(predicted, gold, label).f1 for label in labels) / len(labels)


def label_prf(predicted: LabelSets, gold: LabelSets, label: str) -> PRF:
    pairs = [(label in set(p), label in set(g)) for p, g in zip(predicted, gold, strict=True)]
    return PRF(
        sum(p and g for p, g in pairs), sum(p and not g for p, g in pairs), sum(g and not p for p, g in pairs)
    )
