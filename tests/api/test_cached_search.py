"""Plain searches answered before the route (``api/cached_search.py``), from the result cache or
computed: the same answer as the route, the same keys, scopes, tenants and rate limits."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from mediasift.api import cached_search
from mediasift.api.rate_limit import RateLimiter
from mediasift.api.routes import search as search_route
from mediasift.embed.cached import QUERY_EMBEDDINGS
from mediasift.embed.text.factory import get_text_embedder
from mediasift.errors import ServerBusy
from mediasift.services import auth
from tests.textgen import passages

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


def _route_must_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    # The route's first step; the lane never calls it, so a request it reaches was the route's.
    monkeypatch.setattr(search_route, "filters_from", lambda *a, **k: pytest.fail("route answered"))


def test_a_new_search_is_computed_by_the_lane_with_the_routes_answer(api: TestClient, monkeypatch) -> None:
    rt = api.app.state.runtime  # type: ignore[attr-defined]
    # The route computes (personalize=true keeps the lane away), then the lane computes the same
    # search afresh once the cache is emptied, then answers it from the cache it filled.
    by_route = api.get("/v1/search", params={"q": "valve seal noon", "limit": 3, "personalize": "true"})
    assert by_route.status_code == 200 and by_route.json()["hits"], by_route.text
    rt.invalidate_tenant("default")
    with monkeypatch.context() as patched:
        _route_must_not_answer(patched)
        computed = api.get("/v1/search", params={"q": "valve seal noon", "limit": 3})
        cached = api.get("/v1/search", params={"q": "valve seal noon", "limit": 3})
    assert computed.status_code == 200 and computed.content == by_route.content == cached.content
    assert computed.headers["content-type"] == "application/json"
    assert len(computed.headers["x-request-id"]) == 32
    # And the other way round: what the lane computed and cached is what the route answers.
    for mode in ("keyword", "vector"):
        with monkeypatch.context() as patched:
            _route_must_not_answer(patched)
            by_lane = api.get("/v1/search", params={"q": "pressure at night", "mode": mode})
        assert by_lane.status_code == 200 and by_lane.json()["hits"], by_lane.text
        route = api.get("/v1/search", params={"q": "pressure at night", "mode": mode, "personalize": "true"})
        assert route.content == by_lane.content


def test_an_error_of_a_computed_search_is_answered_as_the_route_answers_it(
    api: TestClient, monkeypatch
) -> None:
    def busy(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ServerBusy("the search lane is full", retry_after_s=3)

    monkeypatch.setattr(cached_search.search_service, "search", busy)
    by_lane = api.get("/v1/search", params={"q": "a search that fails"})
    by_route = api.get("/v1/search", params={"q": "a search that fails", "personalize": "true"})
    assert by_lane.status_code == by_route.status_code == 503
    assert by_lane.content == by_route.content and by_lane.json()["code"] == "server_busy"
    assert by_lane.headers["retry-after"] == by_route.headers["retry-after"] == "3"


def test_at_most_searches_at_once_new_searches_run_at_a_time(api: TestClient, monkeypatch) -> None:
    bound = cached_search.SEARCHES_AT_ONCE
    running, most = 0, 0
    changed = threading.Condition()

    def slow_search(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal running, most
        with changed:
            running += 1
            most = max(most, running)
            changed.notify_all()
            # Hold every search until the bound is reached (or it never will be): without the
            # bound, the requests still waiting to start would pile in meanwhile.
            changed.wait_for(lambda: running >= bound, timeout=10)
        time.sleep(0.2)
        with changed:
            running -= 1
        return []

    monkeypatch.setattr(cached_search.search_service, "search", slow_search)
    with ThreadPoolExecutor(bound * 2 + 4) as pool:
        answers = list(
            pool.map(lambda i: api.get("/v1/search", params={"q": f"at once {i}"}), range(bound * 2 + 4))
        )
    assert [a.status_code for a in answers] == [200] * (bound * 2 + 4)
    assert most == bound


def test_concurrent_new_searches_find_what_sequential_ones_find(api: TestClient, monkeypatch) -> None:
    text = "\n\n".join(passages(8, seed=12))
    created = api.post("/v1/media", files={"file": ("notes.txt", text.encode())}).json()
    deadline = time.monotonic() + 120
    while api.get(f"/v1/jobs/{created['job']['id']}").json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "the notes were not ingested"
        time.sleep(0.1)
    words = [w for w in text.split() if w.isalpha() and len(w) > 4]
    queries = [f"{words[i]} {words[i * 7 % len(words)]} {words[i * 13 % len(words)]}" for i in range(16)]
    rt = api.app.state.runtime  # type: ignore[attr-defined]

    # One hit more than compared: a tie across the last place may keep either hit, so the hits
    # tied with the last one returned are left out of the order's check, and no other hit is.
    limit = 9

    def hits(query: str) -> list[tuple[str, float]]:
        answer = api.get("/v1/search", params={"q": query, "limit": limit})
        assert answer.status_code == 200, answer.text
        return [(h["segment_id"], h["score"]) for h in answer.json()["hits"]]

    one_by_one = [hits(q) for q in queries]
    assert all(one_by_one)
    rt.invalidate_tenant("default")
    rt.cache.invalidate("default", QUERY_EMBEDDINGS)  # so that every query is embedded again
    embedder = get_text_embedder(rt.models, rt.settings)
    batches, sizes = embedder._query_batches, []
    embed_many = batches._embed_many

    def held_first(rows):  # type: ignore[no-untyped-def]
        # The first calls, as many as may run at once, wait (5 s at most) for others to queue behind
        # them, so some are batched: with a call left free, a loaded machine's requests, arriving
        # one by one, were each embedded alone in it and none queued.
        sizes.append(len(rows))
        holding = len(sizes) <= batches._calls
        deadline = time.monotonic() + 5
        while holding and len(batches._waiting) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        return embed_many(rows)

    monkeypatch.setattr(batches, "_embed_many", held_first)
    with ThreadPoolExecutor(len(queries)) as pool:
        together = list(pool.map(hits, queries))
    assert max(sizes) > 1 and sum(sizes) == len(queries)
    for alone, concurrent in zip(one_by_one, together, strict=True):
        assert [score for _, score in concurrent] == pytest.approx([score for _, score in alone], abs=1e-5)
        # Hits of one score may come in either order (the engine breaks keyword ties as it goes).
        runs, expected = _by_score(concurrent), _by_score(alone)
        if len(alone) == limit:
            runs, expected = runs[:-1], expected[:-1]
        assert runs == expected


def _by_score(hits: list[tuple[str, float]]) -> list[set[str]]:
    """The hits' segments in runs of equal scores (within 1e-5), in order."""
    runs: list[tuple[float, set[str]]] = []
    for segment, score in hits:
        if runs and abs(runs[-1][0] - score) <= 1e-5:
            runs[-1][1].add(segment)
        else:
            runs.append((score, {segment}))
    return [segments for _, segments in runs]


# Keys created here stay: the tests that need open mode come first.
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


def test_keys_scopes_and_rate_limits_hold_for_computed_answers(api: TestClient, monkeypatch) -> None:
    rt = api.app.state.runtime  # type: ignore[attr-defined]
    limiter = api.app.state.rate_limiter  # type: ignore[attr-defined]
    reader = auth.create_key(rt.catalog, rt.settings, "default", "read").secret
    writer = auth.create_key(rt.catalog, rt.settings, "default", "write").secret
    try:
        for key in (reader, writer):
            api.get("/v1/media", headers={"Authorization": f"Bearer {key}"})
        computed = []
        monkeypatch.setattr(cached_search, "_computed", _counting(cached_search._computed, computed))
        assert api.get("/v1/search", params={"q": "door seal one"}).status_code == 401
        forbidden = api.get("/v1/search", params={"q": "door seal two"}, headers={"X-API-Key": writer})
        assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
        assert computed == []  # refused before any search ran
        allowed = api.get("/v1/search", params={"q": "door seal three"}, headers={"X-API-Key": reader})
        assert allowed.status_code == 200 and allowed.json()["hits"] and computed == ["door seal three"]

        api.app.state.rate_limiter = RateLimiter(0.01, 1)  # type: ignore[attr-defined]
        first = api.get("/v1/search", params={"q": "door seal four"}, headers={"X-API-Key": reader})
        assert first.status_code == 200 and computed[-1] == "door seal four"
        limited = api.get("/v1/search", params={"q": "door seal five"}, headers={"X-API-Key": reader})
        assert limited.status_code == 429 and limited.headers["retry-after"] == "100"
        assert computed[-1] == "door seal four"  # the refused search was not computed
    finally:
        api.app.state.rate_limiter = limiter  # type: ignore[attr-defined]


def _counting(compute, calls: list[str]):  # type: ignore[no-untyped-def]
    def counted(rt, tenant_id, q, mode, limit):  # type: ignore[no-untyped-def]
        calls.append(q)
        return compute(rt, tenant_id, q, mode, limit)

    return counted
