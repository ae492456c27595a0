"""Personalization end to end: signals shape one user's ranking and no one else's, exact matches
keep rank 1, recommendations and "more like this", saved searches alert on new media, the walls
between tenants and users hold, bad input is refused, and deleting a user's data leaves no trace."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mediasift.api.app import create_app
from mediasift.catalog import profiles as profile_rows
from mediasift.catalog.models import Base, Media, MediaVector
from mediasift.models.registry import ModelRegistry
from mediasift.runtime import Runtime, open_runtime
from mediasift.services import auth
from mediasift.services.media_vectors import media_vectors, to_bytes
from mediasift.worker.loop import start_worker_threads
from tests.conftest import test_settings, wait_for_job
from tests.ops.test_webhooks import Receiver

# Every document ends with the same sentence, so one query finds them all and only the user's
# profile can tell them apart.
SHARED = "These are the weekend club notes for members."
TOPICS = {
    "cooking": [
        "Fresh pasta dough needs flour, eggs and a pinch of salt; knead it and let it rest.",
        "A slow tomato sauce simmers with garlic, basil and olive oil for an hour.",
        "Sourdough bread rises overnight; bake it in a hot oven with steam for a crisp crust.",
    ],
    "astronomy": [
        "Jupiter and its four large moons are easy to see through a small telescope.",
        "A lunar eclipse happens when the Earth's shadow falls across the full Moon.",
        "The Orion nebula is a cloud of gas where new stars are being born.",
    ],
    "gardening": [
        "Prune the roses in late winter and mulch the beds to keep the soil moist.",
        "Tomato seedlings need sun, warmth and regular watering before planting out.",
        "Compost turns kitchen scraps and leaves into rich soil for the vegetable garden.",
    ],
}
EXACT = "Observatory access code QX-4471 opens the dome."  # one document holds it word for word


def _ingest(api: TestClient, name: str, text: str, collection: str, tenant: str | None = None) -> str:
    headers = {"X-Mediasift-Tenant": tenant} if tenant else {}
    made = api.post(
        "/v1/media", files={"file": (name, text.encode())}, data={"collection": collection}, headers=headers
    ).json()
    assert wait_for_job(api, made["job"]["id"], tenant=tenant)["status"] == "succeeded"
    return made["media"]["id"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, models: ModelRegistry) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("personal") / "home"
    rt = open_runtime(
        test_settings(
            home,
            enrich=False,
            rate_limit_per_s=100_000.0,
            rate_limit_burst=100_000,
            feedback_rate_per_s=5.0,
            feedback_burst=40,
            webhook_allow_hosts=["127.0.0.1"],
            webhook_backoff_base_s=0.2,
        )
    )
    rt.models = models
    workers = start_worker_threads(rt, 1)
    api = TestClient(create_app(rt))
    media: dict[str, list[str]] = {}
    for topic, texts in TOPICS.items():
        media[topic] = [
            _ingest(api, f"{topic}-{i}.txt", f"{text} {SHARED}", topic) for i, text in enumerate(texts)
        ]
    exact = _ingest(api, "dome.txt", f"{EXACT} {SHARED}", "astronomy")
    foreign = _ingest(api, "foreign.txt", f"{TOPICS['cooking'][0]} {SHARED}", "cooking", tenant="globex")
    yield {"api": api, "rt": rt, "media": media, "exact": exact, "foreign": foreign}
    for w in workers:
        w.stop()
    api.close()
    rt.close()


def as_user(user: str, tenant: str | None = None) -> dict[str, str]:
    headers = {"X-Mediasift-User": user}
    if tenant:
        headers["X-Mediasift-Tenant"] = tenant
    return headers


def signal(api: TestClient, user: str, media_id: str, kind: str, value: float | None = None) -> None:
    body: dict[str, Any] = {"media_id": media_id, "signal": kind}
    if value is not None:
        body["value"] = value
    response = api.post("/v1/feedback", json=body, headers=as_user(user))
    assert response.status_code == 201, response.text


def order(api: TestClient, query: str, user: str | None = None, **params: Any) -> list[str]:
    headers = as_user(user) if user else {}
    response = api.get("/v1/search", params={"q": query, "limit": 10, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [h["media_id"] for h in response.json()["hits"]]


def topic_of(world: dict[str, Any], media_id: str) -> str:
    return (
        next(t for t, ids in world["media"].items() if media_id in ids)
        if media_id != world["exact"]
        else "exact"
    )


def test_each_users_ranking_follows_their_own_signals(world):
    api, media = world["api"], world["media"]
    for media_id in media["cooking"][:2]:
        signal(api, "alice", media_id, "like")
    signal(api, "bob", media["astronomy"][0], "like")
    signal(api, "bob", media["astronomy"][1], "play", 30.0)

    anonymous = order(api, "weekend club notes")
    alice = order(api, "weekend club notes", "alice")
    bob = order(api, "weekend club notes", "bob")
    # her liked topic leads; a near-tie neighbour (compost from "kitchen scraps") may take a place
    assert [topic_of(world, m) for m in alice[:3]].count("cooking") >= 3 - 1, alice
    assert topic_of(world, alice[0]) == "cooking" and topic_of(world, anonymous[0]) != "cooking"
    assert [topic_of(world, m) for m in bob[:3]].count("astronomy") >= 3 - 1 and topic_of(world, bob[0]) in (
        "astronomy",
        "exact",
    )
    assert set(alice) == set(anonymous) == set(bob)  # reordered, never filtered
    # personalize=false gives the order everyone gets, and marks it so
    plain = api.get(
        "/v1/search", params={"q": "weekend club notes", "personalize": "false"}, headers=as_user("alice")
    ).json()
    assert [h["media_id"] for h in plain["hits"]] == anonymous[:10] and plain["personalized"] is False
    mine = api.get("/v1/search", params={"q": "weekend club notes"}, headers=as_user("alice")).json()
    assert mine["personalized"] is True and all(0 <= h["affinity"] <= 1 for h in mine["hits"])


def test_hidden_media_sinks_for_that_user(world):
    api, media = world["api"], world["media"]
    for media_id in media["gardening"]:
        signal(api, "carol", media_id, "like")
    before = order(api, "weekend club notes", "carol")
    hidden = media["gardening"][0]
    assert before.index(hidden) < 3
    signal(api, "carol", hidden, "hide")
    after = order(api, "weekend club notes", "carol")
    assert after.index(hidden) > before.index(hidden)


def test_an_exact_match_keeps_rank_one_whatever_the_profile(world):
    api = world["api"]
    for media_id in world["media"]["cooking"]:
        signal(api, "dave", media_id, "like")
    for query in ("access code QX-4471", "QX-4471 opens the dome"):
        assert order(api, query)[0] == world["exact"]
        assert order(api, query, "dave")[0] == world["exact"]


def test_a_new_users_first_search_is_not_reordered_by_itself(world):
    api = world["api"]
    for query in ("weekend club notes", "telescope lens cleaning"):
        assert order(api, query, "newcomer-" + query.split()[0]) == order(api, query)
    # searches are signals: after them, recommendations say so, not "what you liked and watched"
    items = api.get("/v1/recommendations", headers=as_user("newcomer-weekend")).json()["items"]
    assert items and all(i["reason"] == "close to what you searched for" for i in items), items


def test_recommendations_are_like_what_was_liked_minus_what_was_seen(world):
    api, media = world["api"], world["media"]
    signal(api, "erin", media["astronomy"][0], "like")
    signal(api, "erin", media["astronomy"][1], "hide")
    response = api.get("/v1/recommendations", params={"limit": 3}, headers=as_user("erin"))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    ids = [i["media_id"] for i in items]
    assert media["astronomy"][0] not in ids and media["astronomy"][1] not in ids
    assert world["foreign"] not in ids
    assert topic_of(world, ids[0]) in ("astronomy", "exact")
    assert all(i["reason"] and i["filename"] for i in items)
    assert "astronomy-0.txt" in items[0]["reason"]
    # a user without signals gets none
    assert api.get("/v1/recommendations", headers=as_user("newcomer")).json() == {"items": []}


def test_a_reason_names_another_media_and_what_the_user_did_with_it(world):
    api, media = world["api"], world["media"]
    signal(api, "flor", media["cooking"][0], "like")
    signal(api, "flor", media["cooking"][1], "open")  # opened, not liked: it may be recommended
    items = api.get("/v1/recommendations", headers=as_user("flor")).json()["items"]
    reasons = {i["filename"]: i["reason"] for i in items}
    assert reasons["cooking-1.txt"] == "more like cooking-0.txt, which you liked"  # never itself
    assert any(r.endswith("which you opened") for r in reasons.values()), reasons


def test_a_like_after_a_hide_takes_it_back(world):
    api, media = world["api"], world["media"]
    for media_id in media["gardening"]:
        signal(api, "gus", media_id, "like")
    hidden = media["gardening"][0]
    signal(api, "gus", hidden, "hide")
    assert order(api, "weekend club notes", "gus").index(hidden) > 2
    signal(api, "gus", hidden, "like")
    assert order(api, "weekend club notes", "gus").index(hidden) < 3


def test_a_repeated_signal_moves_the_profile_once(world):
    api, rt, media = world["api"], world["rt"], world["media"]

    def profile(user: str) -> tuple[dict, int]:
        with rt.catalog.read_session() as s:
            row = profile_rows.get_profile(s, "default", user)
            return dict(row.collections), row.events

    signal(api, "hana", media["cooking"][0], "like")
    signal(api, "hana", media["astronomy"][0], "open")
    once = profile("hana")
    for _ in range(3):  # a double click, an impatient user
        signal(api, "hana", media["cooking"][0], "like")
        signal(api, "hana", media["astronomy"][0], "open")
    assert profile("hana") == once
    signal(api, "hana", media["cooking"][0], "hide")  # a change of mind replaces the like
    assert profile("hana")[0].get("cooking", 0.0) == pytest.approx(once[0]["cooking"] - 2.0, abs=1e-3)
    signal(api, "hana", media["cooking"][0], "like")  # and back: the like whole, not cancelled out
    assert profile("hana")[0].get("cooking", 0.0) == pytest.approx(once[0]["cooking"], abs=1e-3)
    # a hide taken back by a play, then a like: the hide is undone once, not twice
    signal(api, "hana", media["cooking"][1], "hide")
    signal(api, "hana", media["cooking"][1], "play", 5.0)
    played = profile("hana")[0]["cooking"]
    signal(api, "hana", media["cooking"][1], "like")
    assert profile("hana")[0]["cooking"] == pytest.approx(played + 1.0, abs=1e-3)


def test_more_like_this_finds_the_same_topic(world):
    api, media = world["api"], world["media"]
    response = api.get(f"/v1/media/{media['cooking'][0]}/similar", params={"limit": 4})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    ids = [i["media_id"] for i in items]
    assert media["cooking"][0] not in ids and len(ids) == 4
    assert set(ids[:2]) == set(media["cooking"][1:])
    assert items[0]["reason"] == "more like cooking-0.txt"
    assert api.get(f"/v1/media/{world['foreign']}/similar").status_code == 404


def test_a_media_vector_is_stored_once_and_made_again_when_the_media_changed(world):
    rt, tenant = world["rt"], world["rt"].settings.default_tenant
    media_id = world["media"]["gardening"][2]
    first = media_vectors(rt, tenant, [media_id])[media_id]
    marked = np.zeros_like(first)
    marked[0] = 1.0
    with rt.catalog.session() as s:  # what is stored is what is read
        s.get(MediaVector, media_id).vector = to_bytes(marked)
    assert media_vectors(rt, tenant, [media_id])[media_id].tolist() == marked.tolist()
    with rt.catalog.session() as s:  # a reprocess changes the media after its vector
        s.get(Media, media_id).updated_at = datetime.now(UTC)
    again = media_vectors(rt, tenant, [media_id])[media_id]
    assert float(again @ first) > 0.999
    assert media_vectors(rt, "globex", [media_id, world["foreign"]]).keys() == {world["foreign"]}


def test_bad_input_is_refused_with_a_clear_code(world):
    api, media = world["api"], world["media"]
    foreign = api.post(
        "/v1/feedback", json={"media_id": world["foreign"], "signal": "like"}, headers=as_user("al")
    )
    assert foreign.status_code == 404 and "foreign.txt" not in foreign.text
    odd = api.post(
        "/v1/feedback",
        json={"media_id": media["cooking"][0], "signal": "like"},
        headers=as_user("al ice;drop"),
    )
    assert odd.status_code == 422
    assert api.delete("/v1/users/..%2Fx/data").status_code in (404, 422)
    assert api.delete("/v1/users/a b/data").status_code == 422
    unknown = api.post(
        "/v1/feedback", json={"media_id": media["cooking"][0], "signal": "love"}, headers=as_user("al")
    )
    assert unknown.status_code == 422
    negative = api.post(
        "/v1/feedback",
        json={"media_id": media["cooking"][0], "signal": "play", "value": -3},
        headers=as_user("al"),
    )
    assert negative.status_code == 400 and negative.json()["code"] == "invalid_request"
    huge = api.post(
        "/v1/feedback",
        json={"media_id": media["cooking"][0], "signal": "play", "value": 1e308},
        headers=as_user("al"),
    )
    assert huge.status_code == 400 and "0 to 10,000,000" in huge.json()["message"], huge.text
    nobody = api.post("/v1/feedback", json={"media_id": media["cooking"][0], "signal": "like"})
    assert nobody.status_code == 400 and "user" in nobody.json()["message"]
    segment = api.post(
        "/v1/feedback",
        json={"media_id": media["cooking"][0], "segment_id": "not-a-segment", "signal": "open"},
        headers=as_user("al"),
    )
    assert segment.status_code == 404


def test_a_flood_of_feedback_from_one_key_is_rate_limited(world):
    api, media = world["api"], world["media"]
    statuses = [
        api.post(
            "/v1/feedback", json={"media_id": media["cooking"][1], "signal": "open"}, headers=as_user("flood")
        ).status_code
        for _ in range(120)
    ]
    assert statuses.count(429) > 0 and set(statuses) == {201, 429}
    assert statuses[:40] == [201] * 40  # the burst passes
    # the flood spent its own bucket only: another user of the same client is still served
    signal(api, "calm", media["cooking"][1], "open")


def test_a_saved_search_alerts_its_user_when_a_matching_media_arrives(world):
    api, rt = world["api"], world["rt"]
    receiver = Receiver()
    try:
        hook = api.post("/v1/webhooks", json={"url": receiver.url, "events": ["saved_search.matched"]})
        assert hook.status_code == 201, hook.text
        made = api.post(
            "/v1/saved-searches",
            json={"query": "comet", "filters": {"collections": ["astronomy"]}, "name": "Comets"},
            headers=as_user("frank"),
        )
        assert made.status_code == 201, made.text
        saved_id = made.json()["id"]
        assert made.json()["filters"] == {"collections": ["astronomy"]}
        _ingest(api, "comet.txt", "A bright comet passed close to the Sun this spring.", "astronomy")
        _ingest(api, "garden-comet.txt", "Comet is the name of our new lawn mower.", "gardening")
        _ingest(api, "planets.txt", "Saturn's rings are made of ice and rock.", "astronomy")
        listed = api.get("/v1/saved-searches", headers=as_user("frank")).json()
        assert listed["unseen"] == 1 and listed["saved_searches"][0]["unseen"] == 1
        alerts = api.get(f"/v1/saved-searches/{saved_id}/alerts", headers=as_user("frank")).json()["alerts"]
        assert [a["filename"] for a in alerts] == ["comet.txt"]
        deadline = time.monotonic() + 30
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        headers, body = receiver.requests[0]
        assert headers["x-mediasift-event"] == "saved_search.matched" and b'"frank"' in body
        # another user of the tenant sees none of it
        assert api.get(f"/v1/saved-searches/{saved_id}", headers=as_user("grace")).status_code == 404
        assert api.get("/v1/saved-searches", headers=as_user("grace")).json()["unseen"] == 0
        seen = api.post(f"/v1/saved-searches/{saved_id}/seen", headers=as_user("frank"))
        assert seen.json() == {"marked": 1}
        assert api.get("/v1/saved-searches", headers=as_user("frank")).json()["unseen"] == 0
        patched = api.patch(
            f"/v1/saved-searches/{saved_id}", json={"name": "Comets!"}, headers=as_user("frank")
        )
        assert patched.json()["name"] == "Comets!"
        bad = api.post(
            "/v1/saved-searches",
            json={"query": "x", "filters": {"labels": ["nolabel"]}},
            headers=as_user("frank"),
        )
        assert bad.status_code == 400
        assert api.delete(f"/v1/saved-searches/{saved_id}", headers=as_user("frank")).status_code == 204
        assert api.get(f"/v1/saved-searches/{saved_id}", headers=as_user("frank")).status_code == 404
    finally:
        receiver.close()
    del rt


def _rows_naming(rt: Runtime, needle: str) -> list[tuple[str, str]]:
    """Every (table, row) of the catalog whose any column holds ``needle``."""
    found = []
    with rt.catalog.read_session() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)):
                if any(needle in str(value) for value in row):
                    found.append((table.name, str(row)[:200]))
    return found


def test_deleting_a_users_data_leaves_no_trace_in_any_table(world):
    api, rt, media = world["api"], world["rt"], world["media"]
    user = "zed.deleted-7@example"
    signal(api, user, media["cooking"][0], "like")
    signal(api, user, media["astronomy"][0], "play", 12.5)
    signal(api, user, media["gardening"][0], "hide")
    assert order(api, "pasta dough", user)
    saved = api.post("/v1/saved-searches", json={"query": "sourdough"}, headers=as_user(user)).json()
    _ingest(api, "sourdough-2.txt", "Sourdough starter: feed it flour and water every day.", "cooking")
    assert api.get(f"/v1/saved-searches/{saved['id']}/alerts", headers=as_user(user)).json()["alerts"]
    signal(api, "bystander", media["cooking"][0], "like")
    tenant = rt.settings.default_tenant
    own = auth.create_key(rt.catalog, rt.settings, tenant, "read,write", "zed's phone", user).secret
    other = auth.create_key(rt.catalog, rt.settings, tenant, "read,write", "by's phone", "bystander").secret
    assert {table for table, _ in _rows_naming(rt, user)} >= {
        "feedback", "user_profile", "search_history", "saved_search", "saved_search_alert", "api_key",
    }  # fmt: skip

    # a key of one user can neither delete another's data nor act as another
    refused = api.delete(f"/v1/users/{user}/data", headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 403
    posing = api.get("/v1/recommendations", headers={"Authorization": f"Bearer {other}", **as_user(user)})
    assert posing.status_code == 403
    response = api.delete(f"/v1/users/{user}/data", headers={"Authorization": f"Bearer {own}"})
    assert response.status_code == 200, response.text
    assert response.json()["removed"]["feedback"] == 3
    assert _rows_naming(rt, user) == []
    assert _rows_naming(rt, "bystander")  # someone else's data stays
