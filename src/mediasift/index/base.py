"""The ``Index`` interface: a projection of the catalog's segments for vector and keyword search.

Every method takes the tenant and every query filters by it *inside the engine*, as it does every
``Filters`` field: the added-date window too, against each point's ``added_at``. Implementations:
``edge.py`` (Qdrant Edge, embedded default), ``pgvector.py``, ``qdrant.py``; ``factory.py`` picks one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from mediasift.domain import Filters, IndexHit, IndexPoint


class Index(Protocol):
    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace points by id (idempotent)."""

    def delete_media(self, tenant_id: str, media_id: str) -> None:
        """Remove every point of one media."""

    def replace_media(self, tenant_id: str, media_id: str, points: Sequence[IndexPoint]) -> None:
        """Make ``points`` the media's only points (a reprocess): never a moment where a search
        finds none of them, nor a failure that leaves the media unfound (delete, then upsert, did)."""

    def search_vector(
        self,
        space: str,
        tenant_id: str,
        vector: Sequence[float],
        limit: int,
        filters: Filters | None = None,
        *,
        media: bool = True,
    ) -> list[IndexHit]:
        """Nearest points in one embedding space (cosine), best first. ``media=False``: the caller
        does not read the hits' ``media_id`` (search reads it from the catalog), and a backend for
        which it is an extra read may leave it ``""``."""

    def search_keyword(
        self, tenant_id: str, text: str, limit: int, filters: Filters | None = None, *, media: bool = True
    ) -> list[IndexHit]:
        """BM25-style keyword search over point text (English and Spanish stemming), best first.
        ``media`` as for ``search_vector``."""

    def search_hybrid(
        self,
        tenant_id: str,
        text: str,
        vectors: Mapping[str, Sequence[float]],
        limit: int,
        filters: Filters | None = None,
    ) -> list[IndexHit]:
        """Keyword search over ``text`` and a nearest search per space of ``vectors``, fused.

        Each list is searched ``limit`` deep (keyword search only when ``text`` has a searchable
        term) and the lists are fused by reciprocal rank as ``fusion.rrf`` does: ``sum 1 / (60 +
        rank)``, ranks from 1, ties to the earlier list (keyword first, then the spaces in the
        order given). Scores are only comparable with each other. At most ``limit`` hits.
        """

    def point_vectors(self, space: str, tenant_id: str, point_ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored ``space`` vectors of the tenant's points among ``point_ids``, by id; points of
        another tenant, unknown points and points without that space are left out. A vector may
        come back normalised (the engines compare by cosine) and, on the embedded index, rounded to
        float16 (each component within 5e-4); never otherwise changed."""

    def optimize(self) -> None:
        """Build/refresh ANN structures after bulk upserts (a no-op where the engine does it itself)."""

    def count(self, tenant_id: str | None = None) -> int:
        """Number of points, for one tenant or all."""

    def wipe(self) -> None:
        """Delete every point of every tenant, and with them the vector sizes the index holds:
        it is left empty, with the spaces and sizes it was opened with (``dims``).

        What a change of embedding model needs before ``reindex``. Edge and pgvector refuse to open
        an index built for other sizes, so every backend's constructor also takes ``wipe=True``,
        which empties the index this way before looking at what it holds.
        """

    def close(self) -> None: ...


def by_score_then_id(hits: list[IndexHit]) -> list[IndexHit]:
    """``hits`` best first, equal scores in the order of their ids (as pgvector's ``ORDER BY``).

    Points of one text (three pictures tagged alike) score exactly alike, and Qdrant returns such
    ties in an order that changes from call to call: a user's results reshuffled whenever the result
    cache expired, and a search for 10 and one for 40 disagreed on their first hits."""
    if len({hit.score for hit in hits}) < len(hits):  # the engine's order is by score: only ties move
        hits.sort(key=lambda hit: (-hit.score, hit.id))
    return hits
