"""Repeated searches answered from the result cache before the route (``api/cached_search.py``):
the same answer as the route, the same keys, scopes, tenants and rate limits."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from mediasift.api.rate_limit import RateLimiter
from mediasift.api.routes import search as search_route
from mediasift.services import auth

DOCUMENT = (
    b"The boiler pressure readings rose to 2.4 bar during the night shift. "
    b"Technicians checked the valve and the door seal before noon."
)


@pytest.fixture(scope="module")
def api(module_api: TestClient) -> TestClient:
    created = module_api.post("/v1/media", files={"file": ("boiler.txt", DOCUMENT)}).json()
    deadline = time.monotonic() + 120
    while module_api.get(f"/v1/jobs/{created['job']['id']}").json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "the document was not ingested"
        time.sleep(0.1)
    return module_api


def test_a_repeated_search_gets_the_routes_answer_without_the_route(api: TestClient, monkeypatch) -> None:
    first = api.get("/v1/search", params={"q": "boiler pressure", "limit": 5})  # the route fills the cache
    assert first.status_code == 200 and first.json()["hits"], first.text
    through_route = api.get("/v1/search", params={"q": "boiler pressure", "limit": 5, "personalize": "true"})
    monkeypatch.setattr(search_route.search_service, "search", lambda *a, **k: pytest.fail("route answered"))
    repeated = api.get("/v1/search", params={"q": "boiler pressure", "limit": 5})
    assert repeated.status_code == 200
    assert repeated.content == through_route.content == first.content
    assert repeated.headers["content-type"] == "application/json"
    assert len(repeated.headers["x-request-id"]) == 32
    metrics = api.get("/metrics").text
    assert 'mediasift_http_requests_total{method="GET",route="/v1/search",status="200"}' in metrics


def test_a_request_the_lane_cannot_answer_plainly_goes_to_the_route(api: TestClient) -> None:
    api.get("/v1/search", params={"q": "valve door seal"})
    assert api.get("/v1/search", params={"q": "valve door seal", "limit": 0}).status_code == 422
    assert api.get("/v1/search", params={"q": "valve door seal", "mode": "fuzzy"}).status_code == 422
    assert api.get("/v1/search", params={"q": "   "}).status_code == 400
    other_tenant = api.get(
        "/v1/search", params={"q": "valve door seal"}, headers={"X-Mediasift-Tenant": "other"}
    )
    assert other_tenant.status_code == 200 and other_tenant.json()["hits"] == []


def test_keys_scopes_and_rate_limits_hold_for_cached_answers(api: TestClient, monkeypatch) -> None:
    rt = api.app.state.runtime  # type: ignore[attr-defined]
    api.get("/v1/search", params={"q": "night shift"})
    monkeypatch.setattr(search_route.search_service, "search", lambda *a, **k: pytest.fail("route answered"))
    limiter = api.app.state.rate_limiter  # type: ignore[attr-defined]
    try:
        reader = auth.create_key(rt.catalog, rt.settings, "default", "read").secret
        writer = auth.create_key(rt.catalog, rt.settings, "default", "write").secret
        # Each key is seen once by the route (a catalog read); from then on the lane knows it.
        for key in (reader, writer):
            api.get("/v1/media", headers={"Authorization": f"Bearer {key}"})
        assert api.get("/v1/search", params={"q": "night shift"}).status_code == 401
        forbidden = api.get("/v1/search", params={"q": "night shift"}, headers={"X-API-Key": writer})
        assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
        allowed = api.get("/v1/search", params={"q": "night shift"}, headers={"X-API-Key": reader})
        assert allowed.status_code == 200 and allowed.json()["hits"]

        api.app.state.rate_limiter = RateLimiter(0.01, 1)  # type: ignore[attr-defined]
        assert (
            api.get("/v1/search", params={"q": "night shift"}, headers={"X-API-Key": reader}).status_code
            == 200
        )
        limited = api.get("/v1/search", params={"q": "night shift"}, headers={"X-API-Key": reader})
        assert limited.status_code == 429 and limited.headers["retry-after"] == "100"
    finally:
        api.app.state.rate_limiter = limiter  # type: ignore[attr-defined]
