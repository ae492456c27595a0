"""Property: whatever one tenant asks, nothing of another tenant ever comes back.

Two tenants ingest documents built from the same vocabulary (so every query matches both), with
overlapping collections and metadata. Hypothesis then generates queries, modes and filters —
including filters naming the other tenant's media ids — and asserts that no hit, answer citation,
chat, media row, job, artifact URL or cached result of the other tenant appears, asking each query
as both tenants back to back so a cache keyed without the tenant would leak.

Users extend the property inside each tenant: two users of the same names in both tenants give
signals and save searches; whatever a user asks — a personalized search, recommendations, their
saved searches and alerts, "more like this", feedback naming another tenant's media — nothing of
another tenant, or of another user of the same tenant, comes back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediasift.api.app import create_app
from mediasift.models.registry import ModelRegistry
from mediasift.runtime import open_runtime
from mediasift.worker.loop import start_worker_threads
from tests.conftest import test_settings, wait_for_job

VOCABULARY = ["pump", "valve", "pressure", "invoice", "budget", "coffee", "temperature", "launch", "vault"]
TENANTS = ("acme", "globex")
USERS = ("ana", "ben")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, models: ModelRegistry) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("isolation") / "home"
    limits = {"rate_limit_per_s": 100_000.0, "rate_limit_burst": 100_000}
    rt = open_runtime(test_settings(home, **limits, feedback_rate_per_s=100_000.0, feedback_burst=100_000))
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
    chats = {}
    for tenant in TENANTS:  # the property is not vacuous: every tenant finds its own media
        headers = {"X-Mediasift-Tenant": tenant}
        hits = api.get("/v1/search", params={"q": "pump valve"}, headers=headers)
        assert {h["media_id"] for h in hits.json()["hits"]} & owned[tenant]["media"]
        # every tenant's first report says "valve pressure": an answer must cite it, not say not found
        answer = api.post("/v1/ask", json={"question": "What about the valve pressure?"}, headers=headers)
        assert {c["media_id"] for c in answer.json()["citations"]} & owned[tenant]["media"]
        chats[tenant] = api.post("/v1/chats", json={"title": f"{tenant} chat"}, headers=headers).json()["id"]
    saved: dict[tuple[str, str], str] = {}
    liked: dict[tuple[str, str], str] = {}
    for tenant in TENANTS:
        for u_index, user in enumerate(USERS):
            headers = {"X-Mediasift-Tenant": tenant, "X-Mediasift-User": user}
            liked[tenant, user] = sorted(owned[tenant]["media"])[u_index]
            made = api.post(
                "/v1/feedback", json={"media_id": liked[tenant, user], "signal": "like"}, headers=headers
            )
            assert made.status_code == 201, made.text
            made = api.post("/v1/saved-searches", json={"query": "pump"}, headers=headers)
            saved[tenant, user] = made.json()["id"]
    yield {"api": api, "owned": owned, "chats": chats, "saved": saved, "liked": liked}
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
    language=st.sampled_from([None, "en", "es"]),
    name_foreign_media=st.booleans(),
)
def test_no_cross_tenant_row_hit_citation_chat_job_artifact_or_cached_result(
    world, query, mode, collection, sku, language, name_foreign_media
):
    api, owned, chats = world["api"], world["owned"], world["chats"]
    for tenant, other in (TENANTS, TENANTS[::-1]):  # both orders: a shared cache entry would leak
        headers = {"X-Mediasift-Tenant": tenant}
        params: dict[str, Any] = {"q": query.strip() or "pump", "mode": mode, "limit": 50}
        if collection:
            params["collection"] = collection
        if sku:
            params["meta"] = f"sku={sku}"
        if language:
            params["language"] = language
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

        filters: dict[str, Any] = {
            "collections": [collection] if collection else None,
            "metadata": {"sku": sku} if sku else None,
            "languages": [language] if language else None,
            "media_ids": sorted(owned[other]["media"]) if name_foreign_media else None,
        }
        asked = api.post("/v1/ask", json={"question": params["q"], "filters": filters}, headers=headers)
        assert asked.status_code in (200, 422), asked.text
        citations = asked.json().get("citations", []) if asked.status_code == 200 else []
        assert all(c["media_id"] in owned[tenant]["media"] for c in citations), (tenant, citations)
        if name_foreign_media:
            assert citations == []
        assert api.get(f"/v1/chats/{chats[other]}", headers=headers).status_code == 404
        reply = api.post(f"/v1/chats/{chats[other]}/messages", json={"content": params["q"]}, headers=headers)
        assert reply.status_code == 404

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


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries, personalize=st.booleans(), limit=st.integers(min_value=1, max_value=10))
def test_no_cross_tenant_or_cross_user_signal_profile_recommendation_or_saved_search(
    world, query, personalize, limit
):
    api, owned, saved, liked = world["api"], world["owned"], world["saved"], world["liked"]
    for tenant, other in (TENANTS, TENANTS[::-1]):
        for user, other_user in (USERS, USERS[::-1]):
            headers = {"X-Mediasift-Tenant": tenant, "X-Mediasift-User": user}
            params: dict[str, Any] = {
                "q": query.strip() or "pump",
                "limit": limit,
                "personalize": personalize,
            }
            response = api.get("/v1/search", params=params, headers=headers)
            assert response.status_code == 200, response.text
            assert {h["media_id"] for h in response.json()["hits"]} <= owned[tenant]["media"]

            items = api.get("/v1/recommendations", params={"limit": limit}, headers=headers).json()["items"]
            ids = {i["media_id"] for i in items}
            assert ids <= owned[tenant]["media"] and liked[tenant, user] not in ids
            # the other user's like is theirs alone: it is recommended to this one when it fits
            foreign_media = sorted(owned[other]["media"])[0]
            assert api.get(f"/v1/media/{foreign_media}/similar", headers=headers).status_code == 404
            similar = api.get(f"/v1/media/{liked[tenant, user]}/similar", headers=headers).json()["items"]
            assert {i["media_id"] for i in similar} <= owned[tenant]["media"]

            listed = api.get("/v1/saved-searches", headers=headers).json()["saved_searches"]
            assert [s["id"] for s in listed] == [saved[tenant, user]]
            for stranger in (saved[tenant, other_user], saved[other, user], saved[other, other_user]):
                assert api.get(f"/v1/saved-searches/{stranger}", headers=headers).status_code == 404
                assert api.get(f"/v1/saved-searches/{stranger}/alerts", headers=headers).status_code == 404
                assert api.delete(f"/v1/saved-searches/{stranger}", headers=headers).status_code == 404
            alerts = api.get("/v1/saved-searches/alerts", headers=headers).json()["alerts"]
            assert all(a["saved_search_id"] == saved[tenant, user] for a in alerts)

            foreign = api.post(
                "/v1/feedback", json={"media_id": foreign_media, "signal": "like"}, headers=headers
            )
            assert foreign.status_code == 404
