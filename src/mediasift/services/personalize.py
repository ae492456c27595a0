"""Search results reordered for one user: relevance blended with their profile, bounded.

Every candidate gets an order key ``(1 - w) × relevance + w × affinity``: relevance is its score
over the best candidate's (1 for the best), affinity how well its media fits the user's profile
(0-1, below), and ``w`` is ``personalization_weight`` (at most 0.5). So a hit can only pass a more
relevant one whose score it is within ``w / (1 - w)`` (0.43 at the default 0.3) of, as a fraction of
the best score: personalization reorders hits of similar relevance and never pulls up a weak match
over a much stronger one. The scores are those of the search everyone gets (``services/search.py``).

Exact matches are kept first: when only a few candidates (at most a third) hold the query word for
word (in their text or file name), those stay at the top in their relevance order and the rest is
reordered below them. A query whose words appear in most hits ("pasta") names a topic, and is
reordered whole.

Affinity: the cosine of the media's vector (``services/media_vectors.py``) with the profile's,
scaled to 0-1 among the candidates (e5 cosines sit in a narrow band; the scaling reads them against
each other), blended 70/30 with the share of the user's preference its collection or best label has.
Media the user hid have affinity 0.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from mediasift.catalog import profiles as profile_rows
from mediasift.services.media_vectors import media_vectors
from mediasift.services.ranking import exact_matches

if TYPE_CHECKING:
    from mediasift.domain import Hit
    from mediasift.runtime import Runtime
    from mediasift.services.profiles import Profile

VECTOR_SHARE = 0.7  # of affinity; the rest is collections and labels
MIN_SPREAD = 0.02  # cosines closer than this among candidates say nothing about the user


def rerank(
    rt: Runtime, tenant_id: str, profile: Profile, query: str, hits: list[Hit], limit: int
) -> list[Hit]:
    """``hits`` (best first, as search ranked them) in the user's order, the first ``limit``."""
    weight = rt.settings.personalization_weight
    if not hits or weight <= 0:
        return hits[:limit]
    affinity = affinities(rt, tenant_id, profile, {h.media_id: h.collection for h in hits})
    relevance = _relevance([h.score for h in hits])
    pinned = exact_matches(query, hits)

    def key(item: tuple[int, Hit]) -> tuple[int, float, int]:
        index, hit = item
        if index in pinned:
            return (0, 0.0, index)
        return (1, -((1 - weight) * relevance[index] + weight * affinity[hit.media_id]), index)

    ordered = sorted(enumerate(hits), key=key)[:limit]
    return [replace(hit, affinity=round(affinity[hit.media_id], 4)) for _, hit in ordered]


def _relevance(scores: list[float]) -> list[float]:
    """Scores as fractions of the best (0-1); stretched between the worst and the best only where
    some are not positive (no ratio to read)."""
    top, low = max(scores), min(scores)
    if low > 0:
        return [score / top for score in scores]
    return [(score - low) / (top - low) if top > low else 1.0 for score in scores]


def affinities(
    rt: Runtime, tenant_id: str, profile: Profile, collections: dict[str, str]
) -> dict[str, float]:
    """Media id → how well it fits ``profile`` (0-1) among these media (id → its collection)."""
    ids = list(collections)
    vector_part: dict[str, float] = {}
    if profile.vector is not None:
        vectors = media_vectors(rt, tenant_id, ids)
        cosines = {m: float(profile.vector @ v) for m, v in vectors.items()}
        if cosines:
            low, high = min(cosines.values()), max(cosines.values())
            for m, c in cosines.items():
                vector_part[m] = (c - low) / (high - low) if high - low >= MIN_SPREAD else 0.5
    meta_part: dict[str, float] = {}
    if profile.collections or profile.labels:
        with rt.catalog.read_session() as s:
            labels = profile_rows.media_labels(s, tenant_id, ids) if profile.labels else {}
        for m in ids:
            meta_part[m] = max(
                [_share(profile.collections, collections[m])]
                + [_share(profile.labels, lab) for lab in labels.get(m, [])]
            )
    out = {}
    for m in ids:
        if m in profile.hidden:
            out[m] = 0.0
        elif m in vector_part and meta_part:
            out[m] = VECTOR_SHARE * vector_part[m] + (1 - VECTOR_SHARE) * meta_part[m]
        else:
            out[m] = vector_part.get(m, meta_part.get(m, 0.5))
    return out


def _share(weights: dict[str, float], name: str) -> float:
    """``name``'s positive weight against the heaviest one (0-1)."""
    top = max((w for w in weights.values() if w > 0), default=0.0)
    return max(0.0, weights.get(name, 0.0)) / top if top > 0 else 0.0
