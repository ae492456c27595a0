"""A user's profile: what they like, folded from their signals as each one arrives.

The profile holds a time-decayed weighted sum of media vectors (``services/media_vectors.py``) and
of query vectors, and decayed weights per collection and per label. A signal of weight ``w`` at
time ``t`` first decays everything by ``0.5 ** ((t - updated) / half_life)`` and then adds ``w ×``
the media's vector (and ``w`` to its collection and each of its labels). Weights::

    like   +1.0
    play   +0.4 … +1.0   0.4 plus 0.6 × the fraction played (seconds / duration; +0.7 without one)
    open   +0.3
    search +0.2          the query's vector; no collection or label
    hide   -1.0          subtracted: the profile moves away from what they hid

Only the direction of the vector sum matters to ranking (``Profile.vector`` is unit length), so a
user's taste is a decayed mean of what they liked and watched, minus what they hid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mediasift.catalog import feedback as feedback_rows
from mediasift.catalog import profiles as profile_rows
from mediasift.services.media_vectors import from_bytes, to_bytes

if TYPE_CHECKING:
    from mediasift.catalog.db import Session
    from mediasift.catalog.models import UserProfile
    from mediasift.runtime import Runtime

LIKE, OPEN, HIDE, SEARCH = 1.0, 0.3, -1.0, 0.2
FINISHED_FRACTION = 0.9  # a play of at least this much of a media's duration finished it
MAX_NAMES = 50  # collections and labels kept per profile, the heaviest
_FORGET = 0.01  # a collection or label whose weight decayed below this is dropped


def signal_weight(signal: str, value: float | None, duration_s: float | None) -> float:
    """How much one signal moves the profile (negative: away)."""
    if signal == "like":
        return LIKE
    if signal == "hide":
        return HIDE
    if signal == "open":
        return OPEN
    if signal == "play":
        if duration_s and duration_s > 0 and value is not None:
            return 0.4 + 0.6 * min(1.0, max(0.0, value) / duration_s)
        return 0.7
    raise ValueError(f"unknown signal {signal!r}")


@dataclass(slots=True)
class Profile:
    """A user's profile as ranking reads it."""

    vector: np.ndarray | None  # unit length; None until a signal came with a vector
    collections: dict[str, float] = field(default_factory=dict)  # name → decayed weight
    labels: dict[str, float] = field(default_factory=dict)  # taxonomy:label → decayed weight
    hidden: set[str] = field(default_factory=set)  # media they hid
    events: int = 0

    @property
    def empty(self) -> bool:
        return self.vector is None and not self.collections and not self.labels and not self.hidden


def fold(
    rt: Runtime,
    s: Session,
    tenant_id: str,
    user_id: str,
    weight: float,
    vector: np.ndarray | None,
    collection: str | None = None,
    labels: list[str] | None = None,
    now: float | None = None,
) -> None:
    """Add one signal to the user's profile (created when new), in the caller's transaction."""
    now = time.time() if now is None else now
    row = profile_rows.profile_for_update(s, tenant_id, user_id)
    model_id = rt.text_embedder(tenant_id).id
    decay = _decay(rt, row, now)
    total = None
    if row.vector is not None and row.model_id == model_id:
        total = from_bytes(row.vector) * decay
    if vector is not None:
        total = weight * vector if total is None else total + weight * vector
    if total is not None:
        row.vector, row.model_id = to_bytes(total), model_id
    row.collections = _add(row.collections, decay, [collection] if collection else [], weight)
    row.labels = _add(row.labels, decay, labels or [], weight)
    row.events = (row.events or 0) + 1
    row.updated_at_s = max(now, row.updated_at_s or 0.0)


def _decay(rt: Runtime, row: UserProfile, now: float) -> float:
    if not row.updated_at_s:
        return 1.0
    half_life_s = rt.settings.personalization_half_life_days * 86_400.0
    return float(0.5 ** (max(0.0, now - row.updated_at_s) / half_life_s))


def _add(weights: dict[str, float] | None, decay: float, names: list[str], weight: float) -> dict[str, float]:
    out = {name: w * decay for name, w in (weights or {}).items()}
    for name in names:
        out[name] = out.get(name, 0.0) + weight
    kept = sorted(((n, w) for n, w in out.items() if abs(w) >= _FORGET), key=lambda item: -abs(item[1]))
    return {n: round(w, 6) for n, w in kept[:MAX_NAMES]}


def load(rt: Runtime, tenant_id: str, user_id: str) -> Profile:
    """The user's profile (empty for a user without signals)."""
    model_id = rt.text_embedder(tenant_id).id
    with rt.catalog.read_session() as s:
        row = profile_rows.get_profile(s, tenant_id, user_id)
        hidden = feedback_rows.hidden_media(s, tenant_id, user_id)
    if row is None:
        return Profile(None, hidden=hidden)
    vector = None
    if row.vector is not None and row.model_id == model_id:
        total = from_bytes(row.vector)
        norm = float(np.linalg.norm(total))
        vector = (total / norm).astype(np.float32) if norm > 1e-9 else None
    return Profile(vector, dict(row.collections or {}), dict(row.labels or {}), hidden, row.events or 0)
