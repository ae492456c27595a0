"""What a user does with results: signals (``POST /v1/feedback``) and searches, stored per tenant
and user, each folded into the user's profile (``services/profiles.py``) as it arrives."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mediasift.catalog import enrichments, repo
from mediasift.catalog import feedback as feedback_rows
from mediasift.domain import label_term
from mediasift.errors import InvalidRequest, NotFound
from mediasift.services import profiles
from mediasift.services.media_vectors import media_vectors

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mediasift.catalog.models import Feedback
    from mediasift.runtime import Runtime

SIGNALS = ("open", "play", "like", "hide")
MAX_PLAY_S = 10_000_000.0  # about four months: a "seconds watched" beyond it is a client's bug
REPEAT_S = 3600.0  # an open or a play of a media within this of the last is the same visit


@dataclass(frozen=True, slots=True)
class Recorded:
    id: str
    media_id: str
    segment_id: str | None
    signal: str
    value: float | None
    created_at: datetime


def record_feedback(
    rt: Runtime,
    tenant_id: str,
    user_id: str,
    media_id: str,
    signal: str,
    value: float | None = None,
    segment_id: str | None = None,
) -> Recorded:
    """Store one signal of ``user_id`` about the tenant's media ``media_id`` and fold it into their
    profile. Another tenant's media (or a segment not of this media) is ``NotFound``."""
    if signal not in SIGNALS:
        raise InvalidRequest(f"signal must be one of {', '.join(SIGNALS)}, got {signal!r}")
    if signal == "play" and value is not None and not 0 <= value <= MAX_PLAY_S:
        raise InvalidRequest(
            f"value of a play signal is the seconds watched: 0 to {MAX_PLAY_S:,.0f}, got {value:g}"
        )
    with rt.catalog.read_session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        if segment_id is not None:
            segment = repo.segments_by_ids(s, tenant_id, [segment_id]).get(segment_id)
            if segment is None or segment.media_id != media_id:
                raise NotFound(f"segment {segment_id} not found in media {media_id}")
        enrichment = enrichments.get_enrichment(s, tenant_id, media_id)
        collection, duration_s = media.collection, media.duration_s
    labels = [label_term(lab["taxonomy"], lab["label"]) for lab in (enrichment.labels if enrichment else [])]
    vector = media_vectors(rt, tenant_id, [media_id]).get(media_id)
    weight = profiles.signal_weight(signal, value, duration_s)
    now = time.time()
    with rt.catalog.session() as s:
        earlier = feedback_rows.media_signals(s, tenant_id, user_id, media_id)
        row = feedback_rows.add_feedback(s, tenant_id, user_id, media_id, signal, value, segment_id)
        weight = _added_weight(signal, weight, earlier, duration_s, now)
        if weight:
            profiles.fold(rt, s, tenant_id, user_id, weight, vector, collection, labels, now=now)
        return Recorded(row.id, media_id, segment_id, signal, value, row.created_at)


def _added_weight(
    signal: str, weight: float, earlier: Sequence[Feedback], duration_s: float | None, now: float
) -> float:
    """What a signal adds to the profile beyond the user's ``earlier`` ones about the same media
    (newest first): a second like in a row adds nothing (three clicks on "like" had tripled the
    media's pull), nor does a hide of a media already hidden, and a like after a hide (or a hide
    after a like) replaces it; an open within ``REPEAT_S`` of the last adds nothing, a play only
    what it watched beyond the longest play within it (and a play of a hidden media unhides it)."""
    latest = next((f.signal for f in earlier if f.signal in ("like", "hide", "play")), None)
    if signal in ("like", "hide"):
        standing = next((f.signal for f in earlier if f.signal in ("like", "hide")), None)
        if standing == "hide" and latest == "play":
            standing = None  # a play since took the hide back (below): not undone twice
        if standing == signal:
            return 0.0
        # A change of mind replaces the standing one: a like after a hide takes the hide's pull
        # away as well as adding its own (they had cancelled out, leaving the media sunk).
        return weight - (profiles.signal_weight(standing, None, None) if standing else 0.0)
    recent = [f for f in earlier if f.signal == signal and now - f.created_at.timestamp() < REPEAT_S]
    if signal == "open":
        return 0.0 if recent else weight
    watched = max((profiles.signal_weight("play", f.value, duration_s) for f in recent), default=0.0)
    return max(0.0, weight - watched) - (profiles.HIDE if latest == "hide" else 0.0)


def record_search(rt: Runtime, tenant_id: str, user_id: str, query: str) -> None:
    """Keep the query in the user's search history and lean their profile a little toward it."""
    query = query.strip()
    if not query:
        return
    vector = rt.text_embedder(tenant_id).embed_query(query)  # the search just embedded it: cached
    with rt.catalog.session() as s:
        feedback_rows.add_search(s, tenant_id, user_id, query)
        profiles.fold(rt, s, tenant_id, user_id, profiles.SEARCH, vector)
