"""`mediasift nutrition MEDIA_ID`: a table of foods with their evidence; `--wait` analyses a media
that has no results yet; `ask --media` answers from them, citing table rows. And the food table's
name vectors, once embedded, are read from the catalog instead of the model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mediasift.runtime import open_runtime
from mediasift.services.nutrition import StoredNameVectors
from tests.conftest import test_settings
from tests.test_cli_ingest import run_cli

RECIPE = (
    "Ensalada para 2 personas. Mezcla 100 gramos de lechuga con 2 tomates y 1 cucharada de aceite de oliva."
)


def test_nutrition_waits_for_an_analysis_on_demand_and_prints_a_table(tmp_path: Path):
    home, recipe = tmp_path / "home", tmp_path / "ensalada.txt"
    recipe.write_text(RECIPE, encoding="utf-8")
    ingested = run_cli(home, "ingest", str(recipe), "--wait", "--json", enrich="false")
    assert ingested.returncode == 0, ingested.stderr
    media_id = json.loads(ingested.stdout)["media"][0]["id"]

    none_yet = run_cli(home, "nutrition", media_id, "--json", enrich="false")
    assert none_yet.returncode == 2 and "not been analysed" in none_yet.stderr

    waited = run_cli(home, "nutrition", media_id, "--wait", "--json", enrich="false")
    assert waited.returncode == 0, waited.stderr
    results = json.loads(waited.stdout)
    assert {f["food_id"] for f in results["foods"]} == {"astra:lettuce", "astra:tomato", "astra:olive_oil"}
    assert results["servings"] == 2

    table = run_cli(home, "nutrition", media_id, enrich="false")
    assert table.returncode == 0, table.stderr
    for words in ("Romaine lettuce", "Olive oil", "per serving", "written"):
        assert words in table.stdout, table.stdout

    asked = run_cli(home, "ask", "¿Cuánta grasa tiene?", "--media", media_id, "--json", enrich="false")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert "g de grasa" in answer["answer"] and answer["citations"][0]["table_rows"], answer


def test_food_name_vectors_are_embedded_once_and_then_read_from_the_catalog(tmp_path: Path, models):
    rt = open_runtime(test_settings(tmp_path / "home"))
    rt.models = models
    try:
        names = ["Olive oil", "Romaine lettuce", "Olive oil"]
        first = StoredNameVectors(rt, rt.text_embedder("default")).embed_passages(names)
        assert first.shape == (3, 384) and np.allclose(first[0], first[2])

        class NoModel:  # the real embedder's identity, and a model that must not be called
            def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
                self.id, self.dim = real.id, real.dim

            def embed_passages(self, texts):  # type: ignore[no-untyped-def]
                raise AssertionError(f"embedded again: {texts}")

        again = StoredNameVectors(rt, NoModel(rt.text_embedder("other"))).embed_passages(names)  # type: ignore[arg-type]
        assert np.array_equal(first, again)
    finally:
        rt.close()
