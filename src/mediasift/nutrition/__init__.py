"""Nutrition: which foods a media names, how much of each, and their nutrients.

A library (models and engines layer): it reads text and a food table, never the catalog, the
index or the store. The job, API, CLI and answerer built on it pass segments in and store what
comes out. Modules, in the order data flows:

- ``table.py``: the food table (USDA-based ``astra:`` rows, ``open-food-calories`` ``ofc:`` rows),
  nutrients per 100 g, provenance per row; ``load_food_table()`` reads it once per process.
- ``names.py``: every name of every food (the reviewed English/Spanish mapping
  ``data/nutrition_names.json`` first), folded and singularised for lookup.
- ``quantities.py``, ``mentions.py``: ``parse_mentions(text, language)`` → ``Mention`` (food words,
  quantity, unit, span; negated and tool uses dropped).
- ``matching.py``: ``FoodMatcher(embedder=...)`` → ``Match`` (exact, stemmed, synonym, then
  embedding nearest neighbour above a threshold; else unmatched).
- ``units.py``: ``to_grams(quantity, unit, food)`` → ``Grams`` (household measures and per-food
  unit weights of ``data/nutrition_units.json``; > 5 kg clamped and flagged).
- ``servings.py``: ``parse_servings(text)`` → int or None.
- ``analysis.py``: ``analyse(segments, matcher=..., seen=...)`` → ``NutritionResult`` whose
  ``to_dict()`` is the results JSON; ``merge_seen`` adds foods seen in frames.

Typical use, with the runtime's cached text embedder for the cross-lingual step::

    matcher = FoodMatcher(embedder=runtime.text_embedder(tenant_id))
    result = analyse(segments, matcher=matcher, media_id=media.id)
    payload = result.to_dict()

and, to serve ``/v1/foods``, ``catalog.foods.seed_foods(session, load_food_table().foods,
load_food_table().version)`` once, then ``catalog.foods.search_foods(session, "pollo")``.
"""

from mediasift.nutrition.analysis import (
    SCHEMA_VERSION,
    Evidence,
    FoodResult,
    NutritionResult,
    SeenFood,
    analyse,
    merge_seen,
)
from mediasift.nutrition.matching import DEFAULT_THRESHOLD, FoodMatcher, Match, NameEmbedder
from mediasift.nutrition.mentions import Mention, parse_mentions
from mediasift.nutrition.servings import parse_servings
from mediasift.nutrition.table import NUTRIENTS, Food, FoodTable, fold, load_food_table
from mediasift.nutrition.units import Grams, default_portion, to_grams

__all__ = [
    "DEFAULT_THRESHOLD",
    "NUTRIENTS",
    "SCHEMA_VERSION",
    "Evidence",
    "Food",
    "FoodMatcher",
    "FoodResult",
    "FoodTable",
    "Grams",
    "Match",
    "Mention",
    "NameEmbedder",
    "NutritionResult",
    "SeenFood",
    "analyse",
    "default_portion",
    "fold",
    "load_food_table",
    "merge_seen",
    "parse_mentions",
    "parse_servings",
    "to_grams",
]
