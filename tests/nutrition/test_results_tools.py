"""What the platform builds on the analysis: corrections applied on top of results, foods seen
through ImageNet classes, and results read back as sentences for questions in English and Spanish."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import pytest

from mediasift.nutrition import FoodMatcher, analyse, load_food_table
from mediasift.nutrition.corrections import (
    CorrectionInvalid,
    FoodCorrection,
    apply_corrections,
    check,
    with_food_correction,
    with_servings,
)
from mediasift.nutrition.facts import evidence_summary, media_facts, ranking_fact, read_question
from mediasift.nutrition.seen import PictureLabels, food_classes, seen_foods


@dataclass
class Seg:
    modality: str
    text: str
    start_s: float | None
    end_s: float | None
    language: str | None = None


def recipe() -> dict:
    segments = [
        Seg("ocr", "Pollo 200 g", 3.0, 5.0),
        Seg("speech", "Para 2 personas: añade los 200 gramos de pollo y 3 huevos.", 14.0, 17.0, "es"),
    ]
    seen = seen_foods([PictureLabels([("banana", 0.9), ("plate", 0.5)], 40.0, 42.0, "frames/40.jpg")])
    return analyse(segments, matcher=FoodMatcher(), seen=seen, media_id="m1").to_dict()


def test_every_imagenet_food_class_names_a_row_of_the_table_and_an_imagenet_class():
    table = load_food_table()
    names = {
        c["name"]
        for c in json.loads(resources.files("mediasift.data").joinpath("imagenet_classes.json").read_text())[
            "classes"
        ]
    }
    for label, food in food_classes().items():
        assert label in names and table.get(food.food_id) is not None, label


def test_a_food_seen_and_said_is_one_row_and_a_food_only_seen_counts_one_seen_portion():
    seen = seen_foods(
        [
            PictureLabels([("espresso", 0.95), ("consomme", 0.4)], 10.0, 12.0, "f/10.jpg"),
            PictureLabels([("red wine", 0.2)], 20.0, 22.0, "f/20.jpg"),  # below the floor
        ]
    )
    assert [(s.label, s.food_id, s.portion_g) for s in seen] == [("espresso", "ofc:cafe-espresso", 30)]
    said = [Seg("speech", "Add 2 bananas.", 1.0, 2.0, "en")]
    banana = seen_foods([PictureLabels([("banana", 0.8)], 5.0, 7.0, "f/5.jpg")])
    result = analyse(said, seen=[*banana, *seen])
    rows = {f.food_id: f for f in result.foods}
    assert [e.source for e in rows["astra:banana"].evidence] == ["speech", "frame"]
    assert rows["astra:banana"].amount_g == 236  # said twice the 118 g banana: the seen one adds none
    coffee = rows["ofc:cafe-espresso"]
    assert coffee.amount_g == 30 and coffee.matched_by == "image" and "seen_only" in coffee.flags


def test_corrections_apply_on_top_and_totals_recompute():
    results, table = recipe(), load_food_table()
    egg = table.get("astra:egg")
    assert egg is not None
    stored = with_food_correction({}, FoodCorrection("astra:egg", amount_g=100.0), "t1")
    stored = with_food_correction(stored, FoodCorrection("astra:banana", removed=True), "t2")
    stored = with_food_correction(stored, FoodCorrection("gone:row", food_id="astra:egg"), "t3")
    stored = with_servings(stored, 4, "t4")
    shown = apply_corrections(results, stored, table)
    rows = {f["key"]: f for f in shown["foods"]}
    assert rows["astra:egg"]["amount_g"] == 100 and rows["astra:egg"]["detected"]["amount_g"] == 150
    assert rows["astra:egg"]["nutrients"]["kcal"] == pytest.approx(egg.nutrients["kcal"])
    assert [f["key"] for f in shown["removed_foods"]] == ["astra:banana"]
    assert shown["totals"]["kcal"] == pytest.approx(
        sum(f["nutrients"]["kcal"] for f in shown["foods"]), abs=0.02
    )
    assert shown["servings"] == 4 and shown["per_serving"]["kcal"] == pytest.approx(
        shown["totals"]["kcal"] / 4, abs=0.01
    )
    applied = {c["key"]: c["applied"] for c in shown["corrections"]}
    assert applied == {"astra:egg": True, "astra:banana": True, "gone:row": False, "servings": True}
    reset = with_food_correction(stored, FoodCorrection("astra:egg", reset=True), "t5")
    assert "astra:egg" not in reset["foods"] and results["foods"][1]["amount_g"] == 150  # untouched
    with pytest.raises(CorrectionInvalid, match="no food row"):
        check(FoodCorrection("astra:nothing", amount_g=5.0), shown, table)


@pytest.mark.parametrize(
    ("question", "nutrients", "ingredients", "ranking", "language"),
    [
        ("How many calories does this recipe have?", ("kcal",), False, None, "en"),
        ("¿Cuánta proteína tiene esta receta?", ("protein_g",), False, None, "es"),
        ("¿Qué ingredientes lleva la tortilla?", (), True, None, "es"),
        ("Which of my recipes has the most protein?", ("protein_g",), False, "most", "en"),
        ("¿Cuál de mis recetas tiene menos grasa?", ("fat_g",), False, "least", "es"),
        (
            "What is the nutrition of the salad?",
            ("kcal", "protein_g", "fat_g", "carbs_g", "fiber_g"),
            False,
            None,
            "en",
        ),
    ],
)
def test_questions_about_nutrition_are_read(question, nutrients, ingredients, ranking, language):
    asked = read_question(question)
    assert asked is not None
    assert (asked.nutrients, asked.ingredients, asked.ranking, asked.language) == (
        nutrients,
        ingredients,
        ranking,
        language,
    )


def test_other_questions_are_not_about_nutrition():
    for question in ("When does the library open?", "¿Dónde está la estación?", "Who won the match?"):
        assert read_question(question) is None


def test_results_read_as_sentences_with_their_seconds_and_table_rows():
    results = recipe()
    asked = read_question("How much protein is in it?")
    assert asked is not None
    totals, *foods = media_facts("m1", "tortilla.mp4", results, asked)
    protein = results["totals"]["protein_g"]
    assert totals.text.startswith(f"In total, tortilla.mp4 has {protein:.0f} g of protein")
    assert "2 servings" in totals.text and totals.start_s == 3.0
    chicken = next(f for f in foods if "Chicken" in f.text)
    assert chicken.start_s == 3.0 and chicken.table_rows[0]["food_id"] == "ofc:blanc-de-poulet"
    assert "on screen at 00:03, said at 00:14" in chicken.text
    assert evidence_summary(results["foods"][0]) == "00:03 on screen, 00:14 said"
    # in the media's order, whatever order the evidence was found in
    found_apart = {"evidence": [{"start_s": 7.0, "source": "speech"}, {"start_s": 2.0, "source": "ocr"},
                                {"start_s": 1.0, "source": "speech"}]}  # fmt: skip
    assert evidence_summary(found_apart) == "00:01 said, 00:02 on screen, 00:07 said"
    spanish = read_question("¿Cuántas calorías tiene?")
    assert spanish is not None
    assert media_facts("m1", "tortilla.mp4", results, spanish)[0].text.startswith(
        "En total, tortilla.mp4 tiene"
    )
    most = read_question("Which of my videos has the most calories?")
    assert most is not None
    light = dict(results, totals={"kcal": 10.0}, per_serving={"kcal": 10.0})
    ranked = ranking_fact([("m2", "light.mp4", light), ("m1", "tortilla.mp4", results)], most)
    assert ranked is not None and ranked.media_id == "m1"
    assert ranked.text.startswith("Of your 2 analysed media, tortilla.mp4 has the most calories (kcal)")


def test_a_large_bare_number_by_a_food_without_a_unit_weight_is_grams():
    rows = {t: analyse([Seg("ocr", t, 1.0, 2.0)]).foods[0] for t in ("Harina 500", "2 arroz", "3 huevos")}
    assert (rows["Harina 500"].amount_g, rows["Harina 500"].flags) == (500, ["unit_assumed_g"])
    assert rows["2 arroz"].amount_g == 200 and "default_portion" in rows["2 arroz"].flags  # 2 portions
    assert rows["3 huevos"].amount_g == 150  # eggs have a weight each


def test_on_screen_lists_are_read_line_by_line_and_speech_by_its_timed_parts():
    from mediasift.services.nutrition import _timed_units

    @dataclass
    class Row:
        modality: str
        text: str
        start_s: float | None
        end_s: float | None
        language: str | None = None
        meta: dict | None = None

    parts = [
        {"start_s": 1.0, "end_s": 3.0, "text": "Hello."},
        {"start_s": 20.0, "end_s": 23.0, "text": "Add 2 eggs."},
    ]
    translated = [{"start_s": 20.0, "end_s": 23.0, "text": "Añade 2 huevos."}]
    rows = [
        Row("ocr", "ARROZ 185 g\nPOLLO 200 g", 5.0, 9.0),
        Row("speech", "Hello. Add 2 eggs.", 1.0, 23.0, "en", {"parts": parts}),
        # a Spanish subtitle track beside the transcript: the same eggs, not two more
        Row("speech", "Añade 2 huevos.", 20.0, 23.0, "es", {"parts": translated, "track": 3}),
    ]
    result = analyse(_timed_units(rows))
    found = {f.food_id: (f.amount_g, f.evidence[0].start_s) for f in result.foods}
    assert [len(f.evidence) for f in result.foods if f.food_id == "astra:egg"] == [1]
    assert found == {
        "ofc:riz-blanc-cru": (185, 5.0),
        "ofc:blanc-de-poulet": (200, 5.0),
        "astra:egg": (100, 20.0),
    }
