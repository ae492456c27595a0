"""A longer search starts with the hits of a search for the default limit: the web UI (40 hits)
and the CLI or API (10) show the same first hits in the same order."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mediasift.domain import Hit
from mediasift.services.search import extended, search
from tests import textgen
from tests.conftest import upload, wait_for_job

QUERIES = [
    "why did my sourdough loaf come out flat",
    "¿cuándo vence la factura?",
    "coffee beans and milk",
]


@pytest.fixture(scope="module")
def notes(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    # Enough notes that a search for 40 reads deeper lists than one for 10 (depths 120 and 30).
    root = tmp_path_factory.mktemp("notes")
    jobs, ids = [], []
    for i, text in enumerate(textgen.passages(48, seed=11)):
        path = root / f"note-{i:02}.txt"
        path.write_text(text, encoding="utf-8")
        created = upload(module_api, path)
        jobs.append(created["job"]["id"])
        ids.append(created["media"]["id"])
    for job in jobs:
        assert wait_for_job(module_api, job)["status"] == "succeeded"
    return ids


# Hybrid is where the two differed (each list normalised over its own depth); a single list keeps
# its scores, so keyword and vector searches agreed already and must go on agreeing.
@pytest.mark.parametrize("mode", ["hybrid", "keyword", "vector"])
def test_a_search_for_40_starts_with_the_search_for_10(
    module_api: TestClient, notes: list[str], mode: str
) -> None:
    for q in QUERIES:
        ten = module_api.get("/v1/search", params={"q": q, "mode": mode, "limit": 10}).json()["hits"]
        forty = module_api.get("/v1/search", params={"q": q, "mode": mode, "limit": 40}).json()["hits"]
        assert ten and len(forty) >= len(ten), (q, len(ten), len(forty))
        if mode != "keyword":  # every note is some neighbour of every query
            assert len(ten) == 10 and len(forty) > 10, (q, len(ten), len(forty))
        assert [h["segment_id"] for h in forty[: len(ten)]] == [h["segment_id"] for h in ten], q
        ids = [h["segment_id"] for h in forty]
        assert len(ids) == len(set(ids)), q  # the rest repeats none of them
        scores = [h["score"] for h in forty]
        assert scores == sorted(scores, reverse=True), q  # and ranks below them


def test_a_search_for_40_asks_the_engine_for_each_list_once(
    module_api: TestClient, notes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its search for 10 reads the first 30 of each list it read 120 deep, and they are the lists
    # the search for 10 alone reads: the same first hits.
    from mediasift.runtime import SEARCH_CACHE

    rt = module_api.app.state.runtime
    tenant, engine = rt.settings.default_tenant, rt.index
    depths: list[int] = []

    class Spy:
        def search_vector(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            depths.append(args[3])
            return engine.search_vector(*args, **kwargs)

        def search_keyword(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            depths.append(args[2])
            return engine.search_keyword(*args, **kwargs)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(engine, name)

    monkeypatch.setattr(rt, "index", Spy())
    for q in QUERIES:
        rt.cache.invalidate(tenant, SEARCH_CACHE)
        depths.clear()
        forty = search(rt, tenant, q, limit=40)
        assert depths and set(depths) == {120}, (q, depths)
        rt.cache.invalidate(tenant, SEARCH_CACHE)
        depths.clear()
        ten = search(rt, tenant, q, limit=10)
        assert set(depths) == {30}, (q, depths)
        assert [h.segment_id for h in forty[:10]] == [h.segment_id for h in ten], q


def _hit(segment: str, score: float, media: str = "m", ordinal: int = 0) -> Hit:
    return Hit(
        segment_id=segment,
        media_id=media,
        filename=f"{media}.txt",
        kind="document",
        modality="text",
        text="",
        score=score,
        ordinal=ordinal,
    )


def test_the_rest_skips_what_the_first_hits_show_or_are_one_moment_with() -> None:
    first = [_hit("a", 1.0, "x", 0), _hit("b", 0.9, "y", 5)]
    deeper = [
        _hit("b", 0.95, "y", 5),  # shown already
        _hit("a-next", 0.93, "x", 1),  # the next chunk of a shown hit: one moment with it
        _hit("c", 0.92, "z", 0),  # scored above the last shown hit by its own normalisation
        _hit("d", 0.5, "y", 9),
        _hit("e", 0.4, "w", 0),
    ]
    out = extended(first, deeper, 4, gap_s=2.0)
    assert [h.segment_id for h in out] == ["a", "b", "c", "d"]
    assert [h.score for h in out] == sorted((h.score for h in out), reverse=True)
    assert out[2].score < 0.9 and deeper[2].score == 0.92  # the deeper list is left as it was
    assert [h.segment_id for h in extended(first, deeper, 1, gap_s=2.0)] == ["a"]


def test_a_users_search_for_40_starts_with_their_search_for_10(
    module_api: TestClient, notes: list[str]
) -> None:
    # A profile reorders a pool whose depth follows the limit, and spreads its affinities over that
    # pool's media: without the rule above, the web UI and the CLI ordered a user's first hits
    # differently. Searched through the service: the API leans the profile toward every query.
    rt = module_api.app.state.runtime
    tenant, user = rt.settings.default_tenant, {"X-Mediasift-User": "reader"}
    for media_id, kind in [(notes[3], "like"), (notes[17], "like"), (notes[30], "open"), (notes[8], "hide")]:
        response = module_api.post("/v1/feedback", json={"media_id": media_id, "signal": kind}, headers=user)
        assert response.status_code == 201, response.text
    for q in QUERIES:
        ten = search(rt, tenant, q, limit=10, user_id="reader")
        forty = search(rt, tenant, q, limit=40, user_id="reader")
        assert all(h.affinity is not None for h in ten + forty), q  # reordered for the user
        assert len(ten) == 10 and len(forty) > 10, q
        assert [h.segment_id for h in forty[:10]] == [h.segment_id for h in ten], q
        assert len({h.segment_id for h in forty}) == len(forty), q
        assert max(h.score for h in forty[10:]) < min(h.score for h in ten), q
