"""Fusion: one ranking from several (keyword, text-vector, image-vector…), by rank or by score.

RRF ignores the lists' scores, which live on incomparable scales (BM25 is unbounded, cosine lies in
[-1, 1]), and rewards ids that rank well in several lists (Cormack, Clarke & Büttcher, SIGIR 2009).

Qdrant (Edge and server) fuses inside the engine; ``engine_rrf`` gives it the arguments that rank
as ``rrf`` does. ``rrf`` itself fuses lists an engine returned separately (pgvector).

``score_fusion`` keeps what RRF throws away: each list's scores, normalised to 0..1 and weighted.
Search uses it (``services/ranking.py``); ``bench/retrieval.py`` chose it over RRF.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from mediasift.domain import IndexHit

__all__ = ["RRF_K", "Normalisation", "engine_rrf", "normalised", "rrf", "score_fusion"]

RRF_K = 60  # the paper's constant; search has always fused with it

# Qdrant orders hits of equal fused score arbitrarily, differently on every call. Weighting each
# list a hair above the next gives ties to the earlier list, as ``rrf`` does, and shifts scores by
# well under 0.1 %; a smaller step could drown in the engine's float32 rounding.
_TIE_STEP = 1e-3


def engine_rrf(lists: int, k: int = RRF_K) -> tuple[int, list[float]]:
    """Qdrant's RRF ``(k, weights)`` for ``lists`` prefetches, ranking as ``rrf(..., k=k)`` does.

    Qdrant scores ``1 / (rank / weight + k - 1)`` with ranks from 1, hence ``k + 1``.
    """
    return k + 1, [1.0 + _TIE_STEP * (lists - 1 - i) for i in range(lists)]


def rrf(
    result_lists: Sequence[Sequence[IndexHit]],
    k: int = 60,
    weights: Sequence[float] | None = None,
    limit: int | None = None,
) -> list[IndexHit]:
    """Fuse ranked lists (each best first) by id: ``score(id) = sum_i weights[i] / (k + rank_i(id))``.

    Ranks start at 1. An id absent from a list gets nothing from it; an id repeated within one
    list counts once, at its best rank. Each fused hit keeps the ``media_id`` of the first list
    that holds it. The result is sorted by fused score, best first; ties go to the id seen
    earliest (lists in order, each best first), so the output is deterministic.

    ``k`` (>= 0) damps the head of each list: larger ``k`` flattens the gap between rank 1 and
    rank 10. ``weights`` (one per list, >= 0; default all 1.0) scale each list's contribution.
    ``limit`` keeps the best ``limit`` hits (``None``: all).
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if weights is None:
        weights = [1.0] * len(result_lists)
    elif len(weights) != len(result_lists):
        raise ValueError(f"{len(weights)} weights for {len(result_lists)} result lists")
    elif any(w < 0 for w in weights):
        raise ValueError(f"weights must be >= 0, got {list(weights)}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")

    scores: dict[str, float] = {}
    media: dict[str, str] = {}  # also remembers first-seen order (dicts keep insertion order)
    for hits, weight in zip(result_lists, weights, strict=True):
        seen_here: set[str] = set()
        for rank, hit in enumerate(hits, start=1):
            if hit.id in seen_here:
                continue
            seen_here.add(hit.id)
            media.setdefault(hit.id, hit.media_id)
            scores[hit.id] = scores.get(hit.id, 0.0) + weight / (k + rank)

    first_seen = {hit_id: order for order, hit_id in enumerate(media)}
    ranked = sorted(media, key=lambda hit_id: (-scores[hit_id], first_seen[hit_id]))
    if limit is not None:
        ranked = ranked[:limit]
    return [IndexHit(id=hit_id, media_id=media[hit_id], score=scores[hit_id]) for hit_id in ranked]


Normalisation = Literal["minmax", "max", "dbsf"]


def normalised(scores: Sequence[float], how: Normalisation) -> list[float]:
    """``scores`` (one list, best first) on a common 0..1 scale.

    ``minmax``: the list's best is 1 and its worst 0; ``max``: divided by the best (for scores
    that start at 0, as BM25's do); ``dbsf``: distribution-based, the mean ± 3 standard deviations
    mapped to 0..1 and clipped (Qdrant's DBSF). A list of one, or of equal scores, is all 1.
    """
    if not scores:
        return []
    hi, lo = max(scores), min(scores)
    if how == "max":
        return [s / hi if hi > 0 else 1.0 for s in scores]
    if how == "dbsf":
        mean = sum(scores) / len(scores)
        sd = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5
        if sd == 0:
            return [1.0] * len(scores)
        return [min(1.0, max(0.0, (s - mean + 3 * sd) / (6 * sd))) for s in scores]
    if hi == lo:
        return [1.0] * len(scores)
    return [(s - lo) / (hi - lo) for s in scores]


def score_fusion(
    result_lists: Sequence[Sequence[IndexHit]],
    weights: Sequence[float],
    normalisations: Sequence[Normalisation],
    limit: int | None = None,
) -> list[IndexHit]:
    """Fuse ranked lists by their scores: ``score(id) = sum_i weights[i] * norm_i(score_i(id))``.

    Unlike ``rrf`` the gap between a near-exact match and a weak neighbour survives fusion: each
    list's scores are first put on a 0..1 scale (``normalised``, one way per list), so a BM25 list
    and a cosine list can be added. An id absent from a list gets 0 from it; an id repeated within
    a list counts once, at its best score. Ties go to the id seen earliest, as in ``rrf``.
    """
    if not (len(weights) == len(normalisations) == len(result_lists)):
        raise ValueError("one weight and one normalisation per result list")
    if any(w < 0 for w in weights):
        raise ValueError(f"weights must be >= 0, got {list(weights)}")
    scores: dict[str, float] = {}
    media: dict[str, str] = {}
    for hits, weight, how in zip(result_lists, weights, normalisations, strict=True):
        seen_here: set[str] = set()
        for hit, norm in zip(hits, normalised([h.score for h in hits], how), strict=True):
            if hit.id in seen_here:
                continue
            seen_here.add(hit.id)
            media.setdefault(hit.id, hit.media_id)
            scores[hit.id] = scores.get(hit.id, 0.0) + weight * norm
    first_seen = {hit_id: order for order, hit_id in enumerate(media)}
    ranked = sorted(media, key=lambda hit_id: (-scores[hit_id], first_seen[hit_id]))
    if limit is not None:
        ranked = ranked[:limit]
    return [IndexHit(id=hit_id, media_id=media[hit_id], score=scores[hit_id]) for hit_id in ranked]
