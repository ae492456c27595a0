"""Reciprocal rank fusion: one ranking from several (keyword, text-vector, image-vector…).

RRF ignores the lists' scores, which live on incomparable scales (BM25 is unbounded, cosine lies in
[-1, 1]), and rewards ids that rank well in several lists (Cormack, Clarke & Büttcher, SIGIR 2009).

Qdrant (Edge and server) fuses inside the engine; ``engine_rrf`` gives it the arguments that rank
as ``rrf`` does. ``rrf`` itself fuses lists an engine returned separately (pgvector).
"""

from __future__ import annotations

from collections.abc import Sequence

from mediasift.domain import IndexHit

__all__ = ["RRF_K", "engine_rrf", "rrf"]

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
