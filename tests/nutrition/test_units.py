"""Amounts to grams: masses exactly, household measures by the food, absurd amounts clamped."""

from __future__ import annotations

import pytest

from mediasift.nutrition import load_food_table, to_grams


def food(food_id: str):  # type: ignore[no-untyped-def]
    row = load_food_table().get(food_id)
    assert row is not None
    return row


@pytest.mark.parametrize(
    ("quantity", "unit", "food_id", "grams", "basis"),
    [
        (200, "g", "ofc:blanc-de-poulet", 200, "stated mass"),
        (0.5, "kg", "astra:tomato", 500, "stated mass"),
        (1, "cup", "ofc:farine-de-ble", 125, "food unit weight"),  # a cup of flour …
        (1, "cup", "astra:milk_whole", 244, "food unit weight"),  # … weighs half a cup of milk
        (1, "cup", "ofc:riz-blanc-cru", 185, "food unit weight"),
        (2, "tbsp", "astra:olive_oil", 27, "food unit weight"),
        (3, None, "astra:egg", 150, "food unit weight"),
        (1, None, "astra:banana", 118, "food unit weight"),
        (2, "slice", "astra:white_bread", 58, "food unit weight"),
        (2, "clove", "astra:garlic", 6, "food unit weight"),
        (1, "pinch", "ofc:sel", 0.4, "household unit"),
        (250, "ml", "astra:milk_whole", 250 * 1.031, "food unit weight"),  # its density
    ],
)
def test_grams(quantity: float, unit: str | None, food_id: str, grams: float, basis: str):
    result = to_grams(quantity, unit, food(food_id))
    assert result.grams == pytest.approx(grams, rel=1e-3)
    assert result.basis == basis and "clamped" not in result.flags


def test_a_volume_of_a_food_with_no_density_is_read_at_water_density_and_flagged():
    result = to_grams(100, "ml", food("ofc:sauce-soja"))
    assert result.grams == 100 and "density_assumed" in result.flags


def test_no_amount_is_the_default_portion_flagged():
    result = to_grams(None, None, food("ofc:sel"))
    assert result.grams == 1 and result.flags == ("default_portion",)


def test_absurd_amounts_are_clamped_and_flagged():
    result = to_grams(5000, "kg", food("ofc:farine-de-ble"))
    assert result.grams == 5000 and "clamped" in result.flags


def test_an_unmatched_food_gets_grams_only_from_a_mass_or_volume():
    assert to_grams(200, "g", None).grams == 200
    assert to_grams(3, None, None).grams is None
