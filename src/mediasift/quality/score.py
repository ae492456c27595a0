"""From measurements to a 0–1 quality score with the reasons that lowered it.

A ``Rule`` judges one measure: values at or better than ``good`` cost nothing, values at or worse
than ``bad`` cost ``weight``, and values in between cost a linear share of it. ``score(measures,
rules)`` multiplies ``1 - cost`` over the rules whose measure was taken (a missing measure — no
audio track, no transcript — is not judged), so two independent defects compound and no single
rule but a total one can reach 0. Every rule that cost something becomes a ``Reason``, worst first.

The JSON form (``Quality.to_json()``) is the public one: ``{"overall": 0..1, "reasons":
[{"measure", "value", "message"}], "measures": {name: value}}`` — on ``GET /v1/media/{id}``, in
``mediasift quality --json`` and in reports alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MeasureValue = float | int | str | list[Any] | None


@dataclass(frozen=True, slots=True)
class Rule:
    """``message`` is a ``str.format`` template over the measures (and ``value``, the measure's)."""

    measure: str
    good: float
    bad: float
    weight: float
    message: str

    def cost(self, value: float) -> float:
        span = self.bad - self.good
        share = (value - self.good) / span if span else float(value >= self.bad)
        return self.weight * min(1.0, max(0.0, share))


@dataclass(frozen=True, slots=True)
class Reason:
    measure: str
    value: MeasureValue
    message: str
    cost: float  # how much this reason took off (before compounding); not in the JSON

    def to_json(self) -> dict[str, Any]:
        return {"measure": self.measure, "value": self.value, "message": self.message}


@dataclass(slots=True)
class Quality:
    overall: float
    reasons: list[Reason] = field(default_factory=list)
    measures: dict[str, MeasureValue] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "reasons": [r.to_json() for r in self.reasons],
            "measures": dict(self.measures),
        }

    def names(self) -> list[str]:
        """The measures named by the reasons, worst first."""
        return [r.measure for r in self.reasons]


def score(measures: Mapping[str, MeasureValue], rules: Iterable[Rule]) -> Quality:
    overall = 1.0
    reasons: list[Reason] = []
    context = {k: _readable(v) for k, v in measures.items()}
    for rule in rules:
        value = measures.get(rule.measure)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        cost = rule.cost(float(value))
        if cost <= 0.0:
            continue
        overall *= 1.0 - cost
        message = rule.message.format_map(_Fields(context, value=value))
        reasons.append(Reason(rule.measure, value, message, round(cost, 4)))
    reasons.sort(key=lambda r: -r.cost)
    return Quality(round(overall, 3), reasons, dict(measures))


class _Fields(dict[str, Any]):
    """Template fields; one a media lacks reads as a dash rather than failing the message."""

    def __missing__(self, key: str) -> str:
        return "–"


def _readable(value: MeasureValue) -> Any:
    """Stretches ``[[start_s, end_s], ...]`` read as "12.0–15.5 s, 40.0–41.0 s" in messages."""
    if isinstance(value, list) and all(isinstance(v, list) and len(v) == 2 for v in value):
        shown = ", ".join(f"{a:.1f}–{b:.1f} s" for a, b in value[:5])
        return shown + (f" and {len(value) - 5} more" if len(value) > 5 else "")
    return value
