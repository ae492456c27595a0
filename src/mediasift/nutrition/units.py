"""From a stated amount ("2 cucharadas", "½ cup", "3", nothing) to grams of one food.

Units are canonical names (``g``, ``kg``, ``ml``, ``cup``, ``tbsp``, ``tsp``, ``pinch``, ``clove``,
``slice``, ``piece``…; ``parse.py`` maps English and Spanish words to them). Their sizes, and the
weights of one unit of a given food (an egg, a clove of garlic, a cup of flour vs a cup of milk),
are in ``mediasift/data/nutrition_units.json``, each with its source; rows of the USDA-based table
bring USDA portions of their own. The order of preference:

1. a mass (``g``, ``kg``, ``oz``…): exact;
2. the food's own weight for that unit (``cup`` of flour = 125 g; ``piece`` of egg = 50 g);
3. a volume: millilitres × the food's density (its ``ml`` portion), else 1 g/ml (flagged
   ``density_assumed``);
4. a household unit's usual weight (a ``pinch`` is 0.4 g, a ``slice`` 25 g);
5. a count with no weight known, or no amount at all: the food's default portion (flagged
   ``default_portion``).

More than ``max_grams`` (5 kg) is clamped to it and flagged ``clamped``: "5000 kilos" of flour is
a mishearing or a joke, not an ingredient.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from mediasift.models.once import built_once
from mediasift.nutrition.table import Food

UNITS_FILE = "nutrition_units.json"
# A bare number at least this large before or after a food with no unit weight is grams
MASS_WITHOUT_UNIT = 20
VOLUME_UNITS = frozenset({"ml", "cl", "dl", "l", "cup", "tbsp", "tsp", "glass", "splash"})


@dataclass(frozen=True)
class Grams:
    """``grams`` of the food, how they were found (``basis``) and what is uncertain about them."""

    grams: float | None
    basis: (
        str  # stated mass | food unit weight | volume x density | household unit | default portion | unknown
    )
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitTable:
    mass_g: dict[str, float]
    volume_ml: dict[str, float]
    household_g: dict[str, float | None]
    category_default_g: dict[str, float]
    max_grams: float
    foods: dict[str, dict[str, float]]
    sha: str

    @property
    def units(self) -> frozenset[str]:
        return frozenset(self.mass_g) | frozenset(self.volume_ml) | frozenset(self.household_g)


def _build() -> UnitTable:
    import hashlib

    raw = resources.files("mediasift.data").joinpath(UNITS_FILE).read_bytes()
    doc: dict[str, Any] = json.loads(raw)
    categories = {k: float(v) for k, v in doc["category_default_g"].items() if k != "source"}
    foods = {
        food_id: {k: float(v) for k, v in entry.items() if k != "source"}
        for food_id, entry in doc["foods"].items()
    }
    return UnitTable(
        mass_g={k: float(v) for k, v in doc["mass_g"].items()},
        volume_ml={k: float(v["ml"]) for k, v in doc["volume_ml"].items()},
        household_g={k: (None if v["g"] is None else float(v["g"])) for k, v in doc["household_g"].items()},
        category_default_g=categories,
        max_grams=float(doc["max_grams"]["g"]),
        foods=foods,
        sha=hashlib.sha256(raw).hexdigest()[:12],
    )


@built_once
def unit_table() -> UnitTable:
    """The units file, read once per process."""
    return _build()


def unit_weight(food: Food, unit: str) -> float | None:
    """Grams of one ``unit`` of ``food`` from the units file or the food's own portions."""
    own = unit_table().foods.get(food.food_id, {})
    if unit in own:
        return own[unit]
    return food.portions.get(unit)


def default_portion(food: Food) -> float:
    """The grams counted for a food seen or named with no amount."""
    own = unit_table().foods.get(food.food_id, {})
    if "default_g" in own:
        return own["default_g"]
    if food.default_g:
        return food.default_g
    defaults = unit_table().category_default_g
    return defaults.get(food.category or "other", defaults["other"])


def to_grams(quantity: float | None, unit: str | None, food: Food | None) -> Grams:
    """Grams of ``food`` for ``quantity`` ``unit`` (either may be None; ``food`` None for an
    unmatched mention, which gets grams only from a stated mass or volume)."""
    table = unit_table()
    grams = _grams(quantity, unit, food, table)
    if grams.grams is not None and grams.grams > table.max_grams:
        return Grams(table.max_grams, grams.basis, (*grams.flags, "clamped"))
    return grams


def _grams(quantity: float | None, unit: str | None, food: Food | None, table: UnitTable) -> Grams:
    if quantity is not None and quantity <= 0:
        return Grams(None, "unknown", ("zero_amount",))
    count = 1.0 if quantity is None else quantity
    if unit in table.mass_g:
        return Grams(count * table.mass_g[unit], "stated mass")
    if unit is None and quantity is not None and food is not None and (piece := unit_weight(food, "piece")):
        return Grams(count * piece, "food unit weight")  # "3 huevos", "one onion"
    if unit is not None and food is not None and (weight := unit_weight(food, unit)) is not None:
        return Grams(count * weight, "food unit weight")
    if unit in table.volume_ml:
        ml = count * table.volume_ml[unit]
        density = unit_weight(food, "ml") if food is not None else None
        if density is not None:
            return Grams(ml * density, "volume x density")
        return Grams(ml, "volume x density", ("density_assumed",))
    if unit is not None and unit != "piece" and (household := table.household_g.get(unit)) is not None:
        return Grams(count * household, "household unit")
    if food is None:
        return Grams(None, "unknown")
    if quantity is None and unit is None:
        return Grams(default_portion(food), "default portion", ("default_portion",))
    if unit is None and count >= MASS_WITHOUT_UNIT:
        # "Harina 500", "ARROZ 185" (or OCR's "1859" for "185 g"): nobody counts 20 portions of
        # a food that has no unit weight; a number that large is grams with the unit left out
        return Grams(count, "stated mass", ("unit_assumed_g",))
    # a count of a food whose unit weight is unknown: its default portion stands for one unit
    return Grams(count * default_portion(food), "default portion", ("default_portion",))
