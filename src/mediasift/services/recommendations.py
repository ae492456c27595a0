"""Recommendations for a user ("more like what you liked and watched") and "more like this".

Both search the index's text vectors with one vector — the user's profile, or the media's own —
group the nearest segments by media (a media's score is its best segment's cosine) and leave out
what the user already has: for a user, the media they liked, hid or finished; for a media, itself.
A recommendation's score is then blended with the collections and labels the user prefers, as a
personalized search is (``services/personalize.py``), and says why: the liked or watched media it
is closest to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mediasift.catalog import feedback as feedback_rows
from mediasift.catalog import repo
from mediasift.domain import TEXT_SPACE
from mediasift.errors import InvalidRequest
from mediasift.services import personalize, profiles
from mediasift.services.media_vectors import media_vectors

if TYPE_CHECKING:
    from mediasift.catalog.models import Media
    from mediasift.runtime import Runtime

MAX_LIMIT = 100
POSITIVE = ("like", "play", "open")  # strongest first
_DONE = {"like": "liked", "play": "watched", "open": "opened"}


@dataclass(frozen=True, slots=True)
class Recommendation:
    media_id: str
    filename: str
    score: float
    reason: str


def recommend(rt: Runtime, tenant_id: str, user_id: str, limit: int = 10) -> list[Recommendation]:
    """Media of the tenant the user may want next, best first; none for a user without signals
    that carry a vector."""
    _check_limit(limit)
    profile = profiles.load(rt, tenant_id, user_id)
    if profile.vector is None:
        return []
    with rt.catalog.read_session() as s:
        have = feedback_rows.media_with_signal(s, tenant_id, user_id, ["like"])
        have |= feedback_rows.hidden_media(s, tenant_id, user_id)
        have |= feedback_rows.finished_media(s, tenant_id, user_id, profiles.FINISHED_FRACTION)
        recent: dict[str, str] = {}  # media → its strongest positive signal, newest media first
        for f in feedback_rows.user_feedback(s, tenant_id, user_id, 200):
            if f.signal in POSITIVE:
                held = recent.get(f.media_id)
                if held is None or POSITIVE.index(f.signal) < POSITIVE.index(held):
                    recent[f.media_id] = f.signal
        searched = bool(feedback_rows.search_history(s, tenant_id, user_id, 1))
    nearest = _nearest_media(rt, tenant_id, profile.vector, limit + len(have), exclude=have)
    if not nearest:
        return []
    media = _media(rt, tenant_id, nearest)
    weight = rt.settings.personalization_weight
    if profile.collections or profile.labels:
        meta_only = profiles.Profile(None, profile.collections, profile.labels)
        fit = personalize.affinities(rt, tenant_id, meta_only, {m: media[m].collection for m in media})
        blended = {m: (1 - weight) * nearest[m] + weight * fit[m] for m in media}
    else:
        blended = {m: nearest[m] for m in media}
    best = sorted(media, key=lambda m: -blended[m])[:limit]
    reasons = _reasons(rt, tenant_id, best, dict(list(recent.items())[:20]), searched)
    return [Recommendation(m, media[m].filename, round(blended[m], 6), reasons[m]) for m in best]


def similar(rt: Runtime, tenant_id: str, media_id: str, limit: int = 10) -> list[Recommendation]:
    """The tenant's media closest to ``media_id`` by text, best first (``NotFound`` for another
    tenant's media; none for a media without text)."""
    _check_limit(limit)
    with rt.catalog.read_session() as s:
        source = repo.get_media(s, tenant_id, media_id)
        name = source.filename
    vector = media_vectors(rt, tenant_id, [media_id]).get(media_id)
    if vector is None:
        return []
    nearest = _nearest_media(rt, tenant_id, vector, limit, exclude={media_id})
    media = _media(rt, tenant_id, nearest)
    best = sorted(media, key=lambda m: -nearest[m])[:limit]
    return [Recommendation(m, media[m].filename, round(nearest[m], 6), f"more like {name}") for m in best]


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {MAX_LIMIT}")


_MAX_DEPTH = 3200  # segments read at most for one list of nearest media (~20 ms of payload reads)


def _nearest_media(
    rt: Runtime, tenant_id: str, vector: np.ndarray, wanted: int, exclude: set[str]
) -> dict[str, float]:
    """Media id → best segment cosine with ``vector``, at least ``wanted`` media where the index
    has them: segments of one media crowd the list (a repository's hundreds of functions filled
    all 50 of a "more like this" of six), so while the list comes back full with fewer media, it
    is searched four times deeper, up to ``_MAX_DEPTH`` segments."""
    depth = max(50, wanted * 8)
    while True:
        hits = rt.index.search_vector(TEXT_SPACE, tenant_id, vector.tolist(), depth)
        best: dict[str, float] = {}
        for hit in hits:
            if hit.media_id not in exclude and hit.score > best.get(hit.media_id, -2.0):
                best[hit.media_id] = float(hit.score)
        if len(best) >= wanted or len(hits) < depth or depth >= _MAX_DEPTH:
            return best
        depth = min(_MAX_DEPTH, depth * 4)


def _media(rt: Runtime, tenant_id: str, scores: dict[str, float]) -> dict[str, Media]:
    with rt.catalog.read_session() as s:
        return repo.media_by_ids(s, tenant_id, scores)


def _reasons(
    rt: Runtime, tenant_id: str, media_ids: list[str], liked: dict[str, str], searched: bool
) -> dict[str, str]:
    """Why each media: the liked, watched or opened media (``liked``: each with its strongest
    signal) whose vector is closest to its own, never itself; else what the profile came from."""
    vectors = media_vectors(rt, tenant_id, media_ids + list(liked))
    anchors = [m for m in liked if m in vectors]
    with rt.catalog.read_session() as s:
        names = {m: row.filename for m, row in repo.media_by_ids(s, tenant_id, anchors).items()}
    reasons = {}
    for m in media_ids:
        others = [a for a in anchors if a != m and a in names]
        closest = (
            max(others, key=lambda a: float(vectors[a] @ vectors[m]), default=None) if m in vectors else None
        )
        if closest is not None:
            reasons[m] = f"more like {names[closest]}, which you {_DONE[liked[closest]]}"
        elif searched:  # nothing liked, watched or opened to name (or only this media)
            reasons[m] = (
                "close to what you liked, watched or searched for"
                if anchors
                else "close to what you searched for"
            )
        else:  # what was liked has been deleted since; the profile remembers it
            reasons[m] = "close to what you liked or watched"
    return reasons
