"""Property: whatever one tenant asks, nothing of another tenant ever comes back.

Two tenants ingest documents built from the same vocabulary (so every query matches both), with
overlapping collections and metadata. Hypothesis then generates queries, modes and filters —
including filters naming the other tenant's media ids — and asserts that no hit, media row, job,
artifact URL or cached result of the other tenant appears, asking each query as both tenants back
to back so a cache keyed without the tenant would leak.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediasift.api.app import create_app
from mediasift.models import ModelRegistry
from mediasift.runtime import open_runtime
from mediasift.worker import start_worker_threads
from tests.conftest import test_settings, wait_for_job

VOCABULARY = ["pump", "valve", "pressure", "invoice", "budget", "coffee", "temperature", "launch", "vault"]
TENANTS = ("acme", "globex")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, models: ModelRegistry) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("isolation") / "home"
    rt = open_runtime(test_settings(home, rate_limit_per_s=100_000.0, rate_limit_burst=100_000))
    rt.models = models
    workers = start_worker_threads(rt, 1)
    api = TestClient(create_app(rt))
    owned: dict[str, dict[str, set[str]]] = {t: {"media": set(), "jobs": set()} for t in TENANTS}
    for t_index, tenant in enumerate(TENANTS):
        for d in range(3):
            words = " ".join(VOCABULARY[(d + k + t_index) % len(VOCABULARY)] for k in range(6))
            text = f"Report {d} of {tenant}: {words}. The {words} notes continue here."
            response = api.post(
                "/v1/media",
                files={"file": (f"{tenant}-{d}.txt", text.encode())},
                data={"collection": f"c{d % 2}", "metadata": f'{{"sku": "SKU-{d}"}}'},
                headers={"X-Mediasift-Tenant": tenant},
            )
            created = response.json()
            owned[tenant]["media"].add(created["media"]["id"])
            owned[tenant]["jobs"].add(created["job"]["id"])
            assert wait_for_job(api, created["job"]["id"], tenant=tenant)["status"] == "succeeded"
    for tenant in TENANTS:  # the property is not vacuous: every tenant finds its own media
        hits = api.get("/v1/search", params={"q": "pump valve"}, headers={"X-Mediasift-Tenant": tenant})
        assert {h["media_id"] for h in hits.json()["hits"]} & owned[tenant]["media"]
    yield {"api": api, "owned": owned}
    for w in workers:
        w.stop()
    api.close()
    rt.close()


queries = st.one_of(
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4).map(" ".join),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=queries,
    mode=st.sampled_from(["hybrid", "keyword", "vector"]),
    collection=st.sampled_from([None, "c0", "c1"]),
    sku=st.sampled_from([None, "SKU-0", "SKU-1", "SKU-2"]),
    name_foreign_media=st.booleans(),
)
def test_no_cross_tenant_row_hit_job_artifact_or_cached_result(
    world, query, mode, collection, sku, name_foreign_media
):
    api, owned = world["api"], world["owned"]
    for tenant, other in (TENANTS, TENANTS[::-1]):  # both orders: a shared cache entry would leak
        headers = {"X-Mediasift-Tenant": tenant}
        params: dict[str, Any] = {"q": query.strip() or "pump", "mode": mode, "limit": 50}
        if collection:
            params["collection"] = collection
        if sku:
            params["meta"] = f"sku={sku}"
        if name_foreign_media:
            params["media_id"] = sorted(owned[other]["media"])
        response = api.get("/v1/search", params=params, headers=headers)
        assert response.status_code in (200, 422), response.text
        hits = response.json().get("hits", []) if response.status_code == 200 else []
        for hit in hits:
            assert hit["media_id"] in owned[tenant]["media"], (tenant, hit)
            assert hit["thumbnail_url"] is None or hit["media_id"] in hit["thumbnail_url"]
        if name_foreign_media:
            assert hits == []

        listed = {m["id"] for m in api.get("/v1/media", headers=headers).json()["media"]}
        assert listed == owned[tenant]["media"]
        jobs = {j["id"] for j in api.get("/v1/jobs", headers=headers).json()["jobs"]}
        assert jobs <= owned[tenant]["jobs"]
        foreign = sorted(owned[other]["media"])[0]
        for path in (
            f"/v1/media/{foreign}",
            f"/v1/media/{foreign}/original",
            f"/v1/media/{foreign}/artifacts/x",
        ):
            assert api.get(path, headers=headers).status_code == 404
        foreign_job = sorted(owned[other]["jobs"])[0]
        assert api.get(f"/v1/jobs/{foreign_job}", headers=headers).status_code == 404
        assert api.post(f"/v1/jobs/{foreign_job}/cancel", headers=headers).status_code == 404
