"""Mentions read from English and Spanish text: the food, its quantity and unit, its span; what
is negated or names a tool is not a mention."""

from __future__ import annotations

import pytest

from mediasift.nutrition import parse_mentions, parse_servings


def said(text: str, language: str) -> list[tuple[str | None, float | None, str | None]]:
    return [
        (m.entry.food_id if m.entry else None, m.quantity, m.unit) for m in parse_mentions(text, language)
    ]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("200 gramos de pollo", "es", [("ofc:blanc-de-poulet", 200, "g")]),
        ("two tablespoons of olive oil", "en", [("astra:olive_oil", 2, "tbsp")]),
        ("una taza de arroz", "es", [("ofc:riz-blanc-cru", 1, "cup")]),
        ("½ cup sugar", "en", [("astra:sugar", 0.5, "cup")]),
        ("3 huevos", "es", [("astra:egg", 3, None)]),
        ("1 1/2 cups of flour", "en", [("ofc:farine-de-ble", 1.5, "cup")]),
        ("1½ tsp baking powder", "en", [("ofc:levure-chimique-poudre-levante", 1.5, "tsp")]),
        ("media taza de leche", "es", [("astra:milk_whole", 0.5, "cup")]),
        ("half a cup of milk", "en", [("astra:milk_whole", 0.5, "cup")]),
        ("una taza y media de arroz", "es", [("ofc:riz-blanc-cru", 1.5, "cup")]),
        ("doscientos cincuenta gramos de harina", "es", [("ofc:farine-de-ble", 250, "g")]),
        ("1,5 kg de patatas", "es", [("astra:potato_boiled", 1.5, "kg")]),
        ("2-3 cloves garlic", "en", [("astra:garlic", 2.5, "clove")]),
        ("dos dientes de ajo picados", "es", [("astra:garlic", 2, "clove")]),
        ("una pizca de sal", "es", [("ofc:sel", 1, "pinch")]),
        ("a pinch of salt", "en", [("ofc:sel", 1, "pinch")]),
        ("dos rebanadas de pan", "es", [("astra:white_bread", 2, "slice")]),
        ("Harina: 500 g", "es", [("ofc:farine-de-ble", 500, "g")]),
        ("cook for 10 minutes at 180 degrees", "en", []),
        ("200 g de quinotto", "es", [(None, 200, "g")]),
        # hyphenated words before the food: the amount stays its own, the next food's its
        ("1 cup all-purpose flour", "en", [("ofc:farine-de-ble", 1, "cup")]),
        (
            "Ingredients: 2 cups whole-wheat flour, 1 cup extra-virgin olive oil",
            "en",
            [("ofc:farine-de-ble", 2, "cup"), ("astra:olive_oil", 1, "cup")],
        ),
        # Spanish recipes as written: an abbreviation's full stop, a fraction of a unit, servings
        ("100 g. de jamón serrano", "es", [("ofc:jambon-blanc", 100, "g")]),
        ("un cuarto de kilo de queso", "es", [("astra:gouda", 0.25, "kg")]),
        ("Tortilla con cebolla (4 raciones)", "es", [("astra:onion", None, None)]),
        # "another bowl" is a container, not an amount of the words that follow
        ("In another bowl beat the eggs.", "en", [("astra:egg", None, None)]),
        ("In another bowl whisk the oil.", "en", [("astra:olive_oil", None, None)]),
    ],
)
def test_quantity_unit_and_food(
    text: str, language: str, expected: list[tuple[str | None, float, str | None]]
):
    assert said(text, language) == expected


def test_span_points_at_the_words_in_the_text():
    text = "Ahora añadimos 200 gramos de pollo."
    (m,) = parse_mentions(text, "es")
    assert text[m.food_start : m.food_end] == "pollo" and m.food == "pollo"
    assert text[m.start : m.end] == "200 gramos de pollo" and m.amount_text == "200 gramos"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("No le pongas azúcar.", "es"),
        ("sin sal", "es"),
        ("sin sal ni pimienta", "es"),
        ("without sugar", "en"),
        ("don't add any sugar", "en"),
        ("a sugar-free version", "en"),
        ("use honey instead of sugar", "en"),
        ("no pongas dos cucharadas de azúcar", "es"),
    ],
)
def test_negated_foods_do_not_count(text: str, language: str):
    assert [m.entry.food_id for m in parse_mentions(text, language) if m.entry] in ([], ["astra:honey"])


def test_a_negation_of_forgetting_or_of_another_verb_still_counts_the_food():
    assert said("Don't forget the salt!", "en") == [("ofc:sel", None, None)]
    assert said("No olvides la sal.", "es") == [("ofc:sel", None, None)]
    assert said("Do not overcook the chicken.", "en") == [("ofc:blanc-de-poulet", None, None)]
    assert said("Sin azúcar y con canela.", "es") == [("ofc:cannelle-2", None, None)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Use a bread knife.", "en", []),
        ("Put it in the rice cooker.", "en", []),
        ("Corta con el cuchillo de pan.", "es", []),
        ("Corta con el cuchillo para el pan.", "es", []),
        ("Usa el molinillo de pimienta.", "es", []),
        ("Slice it with a bread knife, then toast the bread.", "en", [("astra:white_bread", None, None)]),
    ],
)
def test_food_words_naming_tools_do_not_count(text: str, language: str, expected: list[object]):
    assert said(text, language) == expected


def test_the_longest_name_wins():
    assert said("two scoops of ice cream", "en") == [("astra:ice_cream", None, None)]
    assert said("250 grams of ground beef", "en") == [("ofc:boeuf-hache-15", 250, "g")]
    assert said("una pizca de nuez moscada", "es") == [(None, 1, "pinch")]  # nutmeg, not a walnut


def test_spanish_bread_is_not_an_english_pan():
    assert said("Heat the pan.", "en") == []
    assert said("Corta el pan.", "es") == [("astra:white_bread", None, None)]


def test_additions_are_marked_and_inherit_the_unit_said_before():
    (first, second) = parse_mentions("dos cucharadas de aceite y luego dos cucharadas más de aceite", "es")
    assert not first.additive and second.additive and second.amount_text == "dos cucharadas más"
    (_, other) = parse_mentions("una cucharadita de comino y otra de pimentón", "es")
    assert other.entry is not None and other.entry.food_id == "ofc:paprika-2"
    assert (other.quantity, other.unit) == (1, "tsp")
    (oil,) = parse_mentions("add another tablespoon of oil", "en")
    assert oil.additive and (oil.quantity, oil.unit) == (1, "tbsp")


@pytest.mark.parametrize(
    ("text", "servings"),
    [
        ("Esta receta es para 4 personas.", 4),
        ("Serves two.", 2),
        ("4 porciones", 4),
        ("Makes 6 servings", 6),
        ("Raciones: 8", 8),
        ("para cuatro comensales", 4),
        ("Add 200 g of flour.", None),
        ("para 500 personas", None),
    ],
)
def test_servings(text: str, servings: int | None):
    assert parse_servings(text) == servings
