"""The food table in the catalog: seeded once per version, searched in English and Spanish with
accents ignored, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mediasift.catalog.db import Catalog
from mediasift.catalog.foods import fold, food_table_version, get_food, search_foods, seed_foods
from mediasift.nutrition import fold as nutrition_fold
from mediasift.nutrition import load_food_table
from tests.scale.test_postgres import sqlalchemy_url


def _seeded(catalog: Catalog) -> Catalog:
    catalog.migrate()
    table = load_food_table()
    with catalog.session() as s:
        assert seed_foods(s, table.foods, table.version) == len(table)
    return catalog


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    catalog = _seeded(Catalog(f"sqlite:///{tmp_path / 'catalog.db'}"))
    yield catalog
    catalog.close()


def test_seeding_the_same_version_again_writes_nothing(catalog: Catalog):
    table = load_food_table()
    with catalog.session() as s:
        assert seed_foods(s, table.foods, table.version) == 0
        assert food_table_version(s) == table.version


def test_a_new_version_replaces_every_row(catalog: Catalog):
    table = load_food_table()
    with catalog.session() as s:
        assert seed_foods(s, table.foods[:3], "test-version") == 3
    with catalog.read_session() as s:
        assert food_table_version(s) == "test-version"
        assert get_food(s, table.foods[5].food_id) is None


def test_pollo_finds_chicken_rows_with_their_provenance(catalog: Catalog):
    with catalog.read_session() as s:
        rows = search_foods(s, "pollo")
    assert rows[0].food_id == "ofc:blanc-de-poulet"  # "pollo" is its own Spanish synonym
    assert {"ofc:cuisse-de-poulet", "astra:chicken_broth"} <= {r.food_id for r in rows}
    assert rows[0].source_table.startswith("open-food-calories") and rows[0].source_row == "blanc-de-poulet"
    assert rows[0].nutrients["protein_g"] == 23.0


def test_search_ignores_accents_and_case_and_matches_word_starts(catalog: Catalog):
    with catalog.read_session() as s:
        assert search_foods(s, "AZUCAR")[0].food_id == "astra:sugar"
        assert search_foods(s, "azúcar")[0].food_id == "astra:sugar"
        assert "astra:olive_oil" in {r.food_id for r in search_foods(s, "oliv")}
        assert search_foods(s, "live") == [] or all("live" in fold(r.name) for r in search_foods(s, "live"))
        assert search_foods(s, "   ") == []
        assert search_foods(s, "100%_") == []  # LIKE wildcards are literal


def test_catalog_folding_matches_the_nutrition_package():
    for text in ["Azúcar moreno (Panela)", "Crème fraîche 15%", "  Jalapeño-pepper "]:
        assert fold(text) == nutrition_fold(text)


@pytest.mark.postgres
def test_seed_and_search_on_postgres(make_database):  # type: ignore[no-untyped-def]
    catalog = _seeded(Catalog(sqlalchemy_url(make_database())))
    try:
        with catalog.read_session() as s:
            assert search_foods(s, "huevo")[0].food_id == "astra:egg"
            assert search_foods(s, "azucar")[0].food_id == "astra:sugar"
    finally:
        catalog.close()
