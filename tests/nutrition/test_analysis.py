"""A media's nutrition from timed segments: foods with evidence to the second, amounts merged as
documented, nutrients equal to the table's values × grams / 100, seen foods merged in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mediasift.nutrition import FoodMatcher, SeenFood, analyse, load_food_table


@dataclass
class Seg:
    modality: str
    text: str
    start_s: float | None
    end_s: float | None
    language: str | None = None


def by_id(result):  # type: ignore[no-untyped-def]
    return {f.food_id: f for f in result.foods if f.food_id}


def test_nutrients_equal_table_values_times_grams():
    result = analyse([Seg("speech", "Añade 200 gramos de pollo y 3 huevos.", 4.0, 7.5, "es")])
    foods = by_id(result)
    table = load_food_table()
    for food_id, grams in (("ofc:blanc-de-poulet", 200), ("astra:egg", 150)):
        row = table.get(food_id)
        assert row is not None and foods[food_id].amount_g == grams
        for k, v in row.nutrients.items():
            expected = None if v is None else v * grams / 100
            assert foods[food_id].nutrients is not None
            assert foods[food_id].nutrients[k] == (None if v is None else pytest.approx(expected))
    assert result.totals["kcal"] == pytest.approx(110 * 2 + 143 * 1.5)
    assert result.totals["fiber_g"] is None


def test_evidence_keeps_each_source_and_second():
    result = analyse(
        [
            Seg("ocr", "Pollo 200 g", 3.0, 5.0),
            Seg("speech", "Añade los 200 gramos de pollo.", 14.0, 16.0, "es"),
        ]
    )
    (chicken,) = result.foods
    assert [(e.source, e.start_s) for e in chicken.evidence] == [("ocr", 3.0), ("speech", 14.0)]
    assert chicken.amount_g == 200  # the same 200 g said twice is counted once


def test_repeated_amounts_take_the_largest_and_additions_are_summed():
    result = analyse(
        [
            Seg("speech", "Echa dos cucharadas de aceite de oliva.", 0, 3, "es"),
            Seg("speech", "Ahora el aceite.", 10, 11, "es"),
            Seg("speech", "Y dos cucharadas más de aceite.", 20, 22, "es"),
        ]
    )
    oil = by_id(result)["astra:olive_oil"]
    assert oil.amount_g == pytest.approx(27 + 27)
    assert len(oil.evidence) == 3


def test_servings_divide_the_totals():
    result = analyse([Seg("speech", "Para 4 personas: 400 g de pasta.", 0, 4, "es")])
    assert result.servings == 4 and result.servings_stated
    assert result.per_serving["kcal"] == pytest.approx(result.totals["kcal"] / 4)  # type: ignore[operator]
    assert analyse([Seg("speech", "400 g de pasta", 0, 1, "es")]).servings == 1


def test_unknown_words_are_kept_unmatched_without_nutrients():
    result = analyse([Seg("speech", "Add 200 g of quinotto.", 1, 2, "en")])
    (row,) = result.foods
    assert row.food_id is None and row.status == "unmatched" and row.nutrients is None
    assert row.amount_g == 200 and row.evidence[0].start_s == 1
    assert result.totals["kcal"] is None


def test_no_food_is_an_empty_result_not_an_error():
    result = analyse([Seg("speech", "Hello and welcome to the channel.", 0, 2, "en")])
    assert result.foods == [] and result.to_dict()["totals"]["kcal"] is None


def test_absurd_amounts_are_clamped_and_flagged_in_the_row():
    (flour,) = analyse([Seg("speech", "5000 kilos de harina", 0, 2, "es")]).foods
    assert flour.amount_g == 5000 and "clamped" in flour.flags


def test_seen_food_merges_with_said_food_or_adds_a_default_portion():
    result = analyse(
        [Seg("speech", "Two bananas, please.", 5, 6, "en")],
        seen=[
            SeenFood("banana", 0.9, 7.0, frame_key="f/7.jpg"),
            SeenFood("egg", 0.7, 9.0, frame_key="f/9.jpg"),
        ],
        matcher=FoodMatcher(),
    )
    foods = by_id(result)
    assert foods["astra:banana"].amount_g == 236
    assert [e.source for e in foods["astra:banana"].evidence] == ["speech", "frame"]
    assert foods["astra:egg"].amount_g == 50 and "default_portion" in foods["astra:egg"].flags
    assert foods["astra:egg"].evidence[0].frame_key == "f/9.jpg"


def test_results_json_shape():
    payload = analyse([Seg("speech", "una taza de arroz", 0, 1, "es")], media_id="M1").to_dict()
    assert set(payload) >= {"media_id", "servings", "foods", "totals", "per_serving", "model_versions"}
    (row,) = payload["foods"]
    assert set(row) >= {
        "food_id", "name", "name_es", "amount_g", "amount_text", "confidence", "nutrients", "evidence",
        "source_table", "source_row",
    }  # fmt: skip
    assert row["name_es"] == "arroz" and row["amount_text"] == "una taza"
    assert set(row["evidence"][0]) == {"source", "start_s", "end_s", "text", "frame_key"}
    assert payload["model_versions"]["food_table"] == load_food_table().version


def test_a_title_names_the_dish_not_an_ingredient():
    recipe = (
        "Olive oil bread\nServes 8.\nIngredients: 2 cups whole-wheat flour, 1 cup extra-virgin olive oil, "
        "1 teaspoon salt.\nMix the flour and salt. In another bowl whisk the oil with warm water."
    )
    result = analyse([Seg("text", recipe, None, None, "en")])
    foods = {f.food_id or f.name: f for f in result.foods}
    assert "astra:white_bread" not in foods and not any(f.food_id is None for f in result.foods), foods
    assert foods["ofc:farine-de-ble"].amount_g == pytest.approx(250, rel=0.05)
    assert foods["astra:olive_oil"].amount_g > 200  # a cup, not a default drizzle
    assert result.servings == 8
