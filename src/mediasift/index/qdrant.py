"""Qdrant server index through qdrant-client (also runs in qdrant-client's local mode).

The data model is Qdrant Edge's, so a deployment can move between them:

- one collection per embedding space, ``{prefix}_{space}`` (cosine), created on its first vector;
- one ``{prefix}_keyword`` collection holding a BM25 sparse vector per point (``Modifier.IDF``: the
  server weighs terms by inverse document frequency). Documents are embedded with Qdrant Edge's own
  ``Bm25`` and the Snowball stemmer of their language (Spanish for 'es*', English otherwise); a
  query is embedded with both stemmers, since its language is unknown, and the two term sets joined;
- every point's payload carries ``tenant_id`` under a keyword payload index with ``is_tenant=true``
  (Qdrant co-locates a tenant's points and builds per-tenant HNSW graphs: ``m=0, payload_m=16``),
  plus keyword indexes on the other filter fields. Every query filters by tenant inside Qdrant.

Point ids: Qdrant accepts only UUIDs and integers. Segment ids are UUIDs already; any other id is
mapped to a UUID5 and the original kept in the ``sid`` payload field, which is what hits return.

``url``: ``http(s)://host:6333`` for a server, ``:memory:`` or ``local:PATH`` for qdrant-client's local
mode. Local mode is exact brute force (no HNSW, payload indexes recorded but unused) and slow past
~20k points: it verifies behaviour, not performance.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from mediasift.domain import Filters, IndexHit, IndexPoint
from mediasift.errors import BackendUnavailable, InvalidRequest

_ID_NAMESPACE = uuid.UUID("0b4f6c2e-51c4-4d0e-9a43-6f0f2b7d8e19")
_KEYWORD = "keyword"
_SPARSE = "bm25"
_FILTER_FIELDS = ("media_id", "kind", "collection", "modality", "language")
_PAGE = 256  # points per upsert request


def _client_module() -> Any:
    try:
        import qdrant_client
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise BackendUnavailable(
            "the Qdrant index needs qdrant-client: pip install 'mediasift[qdrant]'"
        ) from e
    return qdrant_client


def point_uuid(point_id: str) -> str:
    """The Qdrant id of a point: the id itself when it is a UUID, else a UUID5 derived from it."""
    try:
        return str(uuid.UUID(point_id))
    except ValueError:
        return str(uuid.uuid5(_ID_NAMESPACE, point_id))


class _Bm25:
    """BM25 term vectors with English and Spanish stemming, compatible with Qdrant's server-side BM25."""

    def __init__(self) -> None:
        from qdrant_edge import Bm25, Bm25Config

        self._models = {lang: Bm25(Bm25Config(language=lang)) for lang in ("english", "spanish")}

    def document(self, text: str, language: str | None) -> tuple[list[int], list[float]]:
        model = self._models["spanish" if (language or "").startswith("es") else "english"]
        vector = model.embed_document(text)
        return list(vector.indices), list(vector.values)

    def query(self, text: str) -> tuple[list[int], list[float]]:
        terms: set[int] = set()
        for model in self._models.values():
            terms.update(model.embed_query(text).indices)
        ordered = sorted(terms)
        return ordered, [1.0] * len(ordered)


class QdrantIndex:
    def __init__(
        self,
        url: str = ":memory:",
        api_key: str | None = None,
        prefix: str = "ms",
        dims: Mapping[str, int] | None = None,
        client: Any | None = None,
    ) -> None:
        """``dims`` creates those spaces up front; any other space is created by its first vector."""
        qdrant_client = _client_module()
        self.models = qdrant_client.models
        self.prefix = prefix
        self.local = client is None and (url == ":memory:" or url.startswith("local:"))
        if client is None:
            if url == ":memory:":
                client = qdrant_client.QdrantClient(location=":memory:")
            elif url.startswith("local:"):
                client = qdrant_client.QdrantClient(path=url.removeprefix("local:"))
            else:
                client = qdrant_client.QdrantClient(url=url, api_key=api_key)
        self.client = client
        self._bm25 = _Bm25()
        self._known: set[str] = set()
        m = self.models
        self._ensure_collection(
            self._name(_KEYWORD),
            vectors_config={},
            sparse_vectors_config={_SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
        )
        for space, size in (dims or {}).items():
            self._ensure_space(space, size)

    # -- collections -------------------------------------------------------------------------------

    def _name(self, space: str) -> str:
        return f"{self.prefix}_{space}"

    def _ensure_collection(self, name: str, **config: Any) -> None:
        if name in self._known:
            return
        m = self.models
        if not self.client.collection_exists(name):
            self.client.create_collection(
                name,
                # Per-tenant graphs only: every query filters by tenant, so no global graph is built.
                hnsw_config=m.HnswConfigDiff(m=0, payload_m=16),
                **config,
            )
            with warnings.catch_warnings():
                if self.local:  # local mode warns that payload indexes are unused there: we know
                    warnings.simplefilter("ignore", UserWarning)
                self.client.create_payload_index(
                    name,
                    "tenant_id",
                    field_schema=m.KeywordIndexParams(type=m.KeywordIndexType.KEYWORD, is_tenant=True),
                )
                for field in _FILTER_FIELDS:
                    self.client.create_payload_index(name, field, field_schema=m.PayloadSchemaType.KEYWORD)
        self._known.add(name)

    def _ensure_space(self, space: str, size: int) -> str:
        name = self._name(space)
        m = self.models
        self._ensure_collection(name, vectors_config=m.VectorParams(size=size, distance=m.Distance.COSINE))
        return name

    def _space_collections(self) -> list[str]:
        keyword = self._name(_KEYWORD)
        names = [c.name for c in self.client.get_collections().collections]
        return [n for n in names if n.startswith(f"{self.prefix}_") and n != keyword]

    def _dimension(self, name: str) -> int | None:
        if not self.client.collection_exists(name):
            return None
        return int(self.client.get_collection(name).config.params.vectors.size)

    # -- writes ------------------------------------------------------------------------------------

    @staticmethod
    def _payload(p: IndexPoint) -> dict[str, Any]:
        return {
            "sid": p.id,
            "tenant_id": p.tenant_id,
            "media_id": p.media_id,
            "kind": p.kind,
            "collection": p.collection,
            "modality": p.modality,
            "language": p.language,
            "metadata": dict(p.metadata),
        }

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        if not points:
            return
        m = self.models
        spaces = {space for p in points for space in p.vectors}
        for space in sorted(spaces):
            rows = [p for p in points if space in p.vectors]
            name = self._ensure_space(space, len(rows[0].vectors[space]))
            known = self._dimension(name)
            for p in rows:
                if len(p.vectors[space]) != known:
                    raise InvalidRequest(
                        f"embedding space {space!r} holds {known}-d vectors, point {p.id} has "
                        f"{len(p.vectors[space])}-d: a new embedding model needs `mediasift reindex`"
                    )
            self._upsert(
                name,
                [
                    m.PointStruct(
                        id=point_uuid(p.id), vector=list(p.vectors[space]), payload=self._payload(p)
                    )
                    for p in rows
                ],
            )
        keyword = []
        for p in points:
            indices, values = self._bm25.document(p.text, p.language)
            vector = {_SPARSE: m.SparseVector(indices=indices, values=values)}
            keyword.append(m.PointStruct(id=point_uuid(p.id), vector=vector, payload=self._payload(p)))
        self._upsert(self._name(_KEYWORD), keyword)
        # A replaced point that lost a space's vector must not be found in that space any more.
        for name in self._space_collections():
            space = name.removeprefix(f"{self.prefix}_")
            stale = [point_uuid(p.id) for p in points if space not in p.vectors]
            if stale:
                self.client.delete(name, points_selector=m.PointIdsList(points=stale), wait=True)

    def _upsert(self, name: str, structs: list[Any]) -> None:
        for i in range(0, len(structs), _PAGE):
            self.client.upsert(name, points=structs[i : i + _PAGE], wait=True)

    def delete_media(self, tenant_id: str, media_id: str) -> None:
        selector = self.models.FilterSelector(filter=self._filter(tenant_id, Filters(media_ids=[media_id])))
        for name in [self._name(_KEYWORD), *self._space_collections()]:
            self.client.delete(name, points_selector=selector, wait=True)

    # -- queries -----------------------------------------------------------------------------------

    def _filter(self, tenant_id: str, filters: Filters | None) -> Any:
        m = self.models
        must = [m.FieldCondition(key="tenant_id", match=m.MatchValue(value=tenant_id))]
        if filters is not None:
            for field, values in (
                ("kind", filters.kinds),
                ("collection", filters.collections),
                ("modality", filters.modalities),
                ("media_id", filters.media_ids),
                ("language", filters.languages),
            ):
                if values:  # None or [] narrows nothing
                    must.append(m.FieldCondition(key=field, match=m.MatchAny(any=list(values))))
            for key, value in (filters.metadata or {}).items():
                must.append(m.FieldCondition(key=f"metadata.{key}", match=m.MatchValue(value=value)))
        return m.Filter(must=must)

    def _hits(self, response: Any) -> list[IndexHit]:
        return [
            IndexHit(id=point.payload["sid"], media_id=point.payload["media_id"], score=float(point.score))
            for point in response.points
        ]

    def search_vector(
        self, space: str, tenant_id: str, vector: Sequence[float], limit: int, filters: Filters | None = None
    ) -> list[IndexHit]:
        name = self._name(space)
        dims = self._dimension(name)
        if limit <= 0 or dims is None:
            return []
        if dims != len(vector):
            raise InvalidRequest(f"space {space!r} holds {dims}-d vectors, the query is {len(vector)}-d")
        response = self.client.query_points(
            name,
            query=list(vector),
            query_filter=self._filter(tenant_id, filters),
            limit=limit,
            with_payload=["sid", "media_id"],
        )
        return self._hits(response)

    def search_keyword(
        self, tenant_id: str, text: str, limit: int, filters: Filters | None = None
    ) -> list[IndexHit]:
        indices, values = self._bm25.query(text)
        if limit <= 0 or not indices:
            return []
        m = self.models
        response = self.client.query_points(
            self._name(_KEYWORD),
            query=m.SparseVector(indices=indices, values=values),
            using=_SPARSE,
            query_filter=self._filter(tenant_id, filters),
            limit=limit,
            with_payload=["sid", "media_id"],
        )
        return self._hits(response)

    # -- maintenance -------------------------------------------------------------------------------

    def optimize(self) -> None:
        """Nothing to do: Qdrant builds its HNSW graphs in the background as points arrive."""

    def count(self, tenant_id: str | None = None) -> int:
        count_filter = None if tenant_id is None else self._filter(tenant_id, None)
        return int(self.client.count(self._name(_KEYWORD), count_filter=count_filter, exact=True).count)

    def close(self) -> None:
        self.client.close()
