"""A user's corrections of a media's nutrition, applied on top of an analysis's results.

Corrections are kept apart from the results and keyed by each row's ``key`` (its food id as
analysed, or ``unmatched:<words>``), so that a new analysis (a reprocessed video, a new table)
replaces the results and the same corrections apply again to the rows they name. Stored form::

    {"foods": {"<key>": {"food_id": "astra:egg", "amount_g": 120.0, "removed": false, "at": "…"}},
     "servings": {"servings": 4, "at": "…"}}

Applied (``apply_corrections``), a corrected row shows what was corrected and what had been
detected (``corrected: true``, ``detected: {food_id, name, amount_g}``); a new ``food_id`` takes
that table row's names, provenance and nutrients (``matched_by: "user"``); a new ``amount_g``
recomputes the nutrients as table value × grams / 100 (``amount_basis: "user"``); a removed row
moves to ``removed_foods``. Totals and per-serving values are recomputed from what is left.
A correction whose row a new analysis no longer finds is kept, listed with ``applied: false``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mediasift.nutrition.analysis import sum_nutrients
from mediasift.nutrition.servings import MAX_SERVINGS
from mediasift.nutrition.table import NUTRIENTS, FoodTable
from mediasift.nutrition.units import default_portion, unit_table

# Flags about how the amount was worked out: a user's amount makes them moot.
_AMOUNT_FLAGS = frozenset({"default_portion", "clamped", "density_assumed"})


class CorrectionInvalid(ValueError):
    """A correction that cannot apply: an unknown row or food, an amount out of bounds."""


@dataclass(frozen=True)
class FoodCorrection:
    """What a user says of one row: it is another food, it weighs ``amount_g``, it is not there
    (``removed``), or none of that any more (``reset``). ``None``: unchanged."""

    key: str
    food_id: str | None = None
    amount_g: float | None = None
    removed: bool | None = None
    reset: bool = False


def check(fix: FoodCorrection, results: Mapping[str, Any], table: FoodTable) -> None:
    """Raise ``CorrectionInvalid`` unless ``fix`` names a row of ``results`` (kept or removed)
    and, if it gives them, a food of ``table`` and an amount in (0, the clamp limit]."""
    rows = [*results.get("foods", []), *results.get("removed_foods", [])]
    if fix.key not in {row.get("key") for row in rows}:
        raise CorrectionInvalid(f"no food row {fix.key!r} in this media's nutrition")
    if fix.food_id is not None and table.get(fix.food_id) is None:
        raise CorrectionInvalid(f"no food {fix.food_id!r} in the food table (GET /v1/foods?q=…)")
    limit = unit_table().max_grams
    if fix.amount_g is not None and not 0 < fix.amount_g <= limit:
        raise CorrectionInvalid(f"amount_g must be above 0 and at most {limit:g}")


def check_servings(servings: int) -> None:
    if not 1 <= servings <= MAX_SERVINGS:
        raise CorrectionInvalid(f"servings must be 1 to {MAX_SERVINGS}")


def with_food_correction(stored: Mapping[str, Any], fix: FoodCorrection, at: str) -> dict[str, Any]:
    """``stored`` corrections with ``fix`` merged in (``at``: when, ISO 8601)."""
    out = copy.deepcopy(dict(stored))
    foods = out.setdefault("foods", {})
    if fix.reset:
        foods.pop(fix.key, None)
        return out
    entry = foods.get(fix.key, {})
    for name in ("food_id", "amount_g", "removed"):
        value = getattr(fix, name)
        if value is not None:
            entry[name] = value
    entry["at"] = at
    foods[fix.key] = entry
    return out


def with_servings(stored: Mapping[str, Any], servings: int | None, at: str) -> dict[str, Any]:
    """``stored`` corrections with the servings set (``None``: back to what the media says)."""
    out = copy.deepcopy(dict(stored))
    if servings is None:
        out.pop("servings", None)
    else:
        out["servings"] = {"servings": servings, "at": at}
    return out


def apply_corrections(
    results: Mapping[str, Any], corrections: Mapping[str, Any], table: FoodTable
) -> dict[str, Any]:
    """The results JSON as the user sees it: ``results`` (as analysed) with ``corrections``
    applied and every total recomputed; ``corrections`` lists each one with ``applied``."""
    out = copy.deepcopy(dict(results))
    fixes: Mapping[str, Any] = corrections.get("foods") or {}
    kept: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    for row in out.get("foods", []):
        fix = fixes.get(row.get("key"))
        row["corrected"] = fix is not None
        if fix is not None:
            _correct(row, fix, table)
        (removed if row.get("removed") else kept).append(row)
    out["foods"], out["removed_foods"] = kept, removed
    servings = (corrections.get("servings") or {}).get("servings")
    if servings:
        out["servings"], out["servings_stated"] = int(servings), True
    count = max(1, int(out.get("servings") or 1))
    totals = sum_nutrients(row["nutrients"] for row in kept if row.get("nutrients"))
    out["totals"] = {k: _round(v) for k, v in totals.items()}
    out["per_serving"] = {k: _round(None if v is None else v / count) for k, v in totals.items()}
    present = {row.get("key") for row in [*kept, *removed]}
    out["corrections"] = [{"key": key, **fix, "applied": key in present} for key, fix in fixes.items()]
    if "servings" in corrections:
        out["corrections"].append({"key": "servings", **corrections["servings"], "applied": True})
    return out


def _correct(row: dict[str, Any], fix: Mapping[str, Any], table: FoodTable) -> None:
    row["detected"] = {
        "food_id": row.get("food_id"),
        "name": row.get("name"),
        "amount_g": row.get("amount_g"),
    }
    food = table.get(row["food_id"]) if row.get("food_id") else None
    if fix.get("food_id") and (chosen := table.get(fix["food_id"])) is not None:
        food = chosen
        row.update(
            food_id=food.food_id,
            name=food.name,
            name_es=food.name_es,
            status="matched",
            matched_by="user",
            confidence=1.0,
            source_table=food.source_table,
            source_row=food.source_row,
        )
    flags = [f for f in row.get("flags", []) if f != "seen_only" or not fix.get("food_id")]
    amount = row.get("amount_g")
    if fix.get("amount_g") is not None:
        amount = float(fix["amount_g"])
        row["amount_basis"] = "user"
        flags = [f for f in flags if f not in _AMOUNT_FLAGS]
    elif amount is None and food is not None:
        amount = default_portion(food)
        row["amount_basis"] = "default portion"
        flags.append("default_portion")
    row["flags"], row["amount_g"] = flags, _round(amount)
    if food is not None:
        nutrients = food.nutrients_for(amount) if amount is not None else dict.fromkeys(NUTRIENTS)
        row["nutrients"] = {k: _round(v) for k, v in nutrients.items()}
    if fix.get("removed"):
        row["removed"] = True


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
