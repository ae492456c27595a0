"""Qdrant server index through qdrant-client (also runs in qdrant-client's local mode).

The data model is Qdrant Edge's, so a deployment can move between them: one collection,
``{prefix}_points``, holding per point

- one named dense vector per embedding space (cosine); a point carries any subset of them, and a
  search in one space only sees points that carry it;
- a ``bm25`` sparse vector (``Modifier.IDF``: the server weighs terms by inverse document
  frequency). Documents are embedded with Qdrant Edge's own ``Bm25`` and the Snowball stemmer of
  their language (Spanish for 'es*', English otherwise), accents folded; a query is embedded with
  both stemmers, since its language is unknown, folded and as written, and the term sets joined;
- payload ``tenant_id`` under a keyword payload index with ``is_tenant=true`` (Qdrant co-locates a
  tenant's points and builds per-tenant HNSW graphs: ``m=0, payload_m=16``), keyword indexes on the
  other filter fields and a float index on ``added_at`` (epoch seconds). ``labels``, ``entities``,
  ``keywords`` and ``paths`` (a source file's ``path_terms``) are arrays of strings under keyword
  indexes too (a filter list matches a point
  holding any of its values); a collection created before them gets their indexes when an index
  opens, and its points get the arrays from ``mediasift reindex``. Every query filters by tenant,
  and by every other filter, inside Qdrant.

Because every list lives in one collection, ``search_hybrid`` is one query: a prefetch per list,
fused by Qdrant's reciprocal rank fusion.

The spaces and their dimensions are fixed when the collection is created (``dims``); an existing
collection keeps its own. Collections of the earlier layout (``{prefix}_keyword`` plus one per
space) are copied into ``{prefix}_points`` and dropped when an index opens, so an upgrade keeps
every point searchable; ``mediasift reindex`` then gives them ``added_at``.

Point ids: Qdrant accepts only UUIDs and integers. Segment ids are UUIDs already; any other id is
mapped to a UUID5 and the original kept in the ``sid`` payload field, which is what hits return.

``url``: ``http(s)://host:6333`` for a server, ``:memory:`` or ``local:PATH`` for qdrant-client's local
mode. Local mode is exact brute force (no HNSW, payload indexes recorded but unused) and slow past
~20k points: it verifies behaviour, not performance.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from mediasift.domain import Filters, IndexHit, IndexPoint, added_bounds
from mediasift.errors import BackendUnavailable, InvalidRequest
from mediasift.index.base import by_score_then_id
from mediasift.index.fusion import engine_rrf

log = logging.getLogger(__name__)

_ID_NAMESPACE = uuid.UUID("0b4f6c2e-51c4-4d0e-9a43-6f0f2b7d8e19")
_POINTS = "points"
_SPARSE = "bm25"
_FILTER_FIELDS = ("media_id", "kind", "collection", "modality", "language")
_ABOUT_FIELDS = ("labels", "entities", "keywords", "paths")  # arrays of strings
_ADDED_AT = "added_at"
_QUALITY = "quality"  # the media's overall quality score, 0–1 (absent until measured)
_PAGE = 256  # points per upsert request
_OLD_KEYWORD = "keyword"  # the earlier layout's keyword collection, ``{prefix}_keyword``


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
    """BM25 term vectors with English and Spanish stemming, compatible with Qdrant's server-side BM25.

    Documents are analysed with accents folded ("José" is the term "jose"), as the embedded index
    analyses them, since people type names and loanwords without their accents. A query is analysed
    folded and as written, so that the points a collection stored before folding, whose terms keep
    their accents until ``mediasift reindex``, still match a query typed with them."""

    def __init__(self) -> None:
        from qdrant_edge import Bm25, Bm25Config

        languages = ("english", "spanish")
        self._models = {lang: Bm25(Bm25Config(language=lang, ascii_folding=True)) for lang in languages}
        self._as_written = [Bm25(Bm25Config(language=lang)) for lang in languages]

    def document(self, text: str, language: str | None) -> tuple[list[int], list[float]]:
        model = self._models["spanish" if (language or "").startswith("es") else "english"]
        vector = model.embed_document(text)
        return list(vector.indices), list(vector.values)

    def query(self, text: str) -> tuple[list[int], list[float]]:
        terms: set[int] = set()
        for model in (*self._models.values(), *self._as_written):
            terms.update(model.embed_query(text).indices)
        ordered = sorted(terms)
        return ordered, [1.0] * len(ordered)


def _local_client(qdrant_client: Any, path: str) -> Any:
    """qdrant-client's local mode on ``path``: one process's, as the embedded index is."""
    try:
        return qdrant_client.QdrantClient(path=path)
    except RuntimeError as exc:
        if "already accessed" not in str(exc):
            raise
        raise BackendUnavailable(
            f"the local Qdrant index in {path} is open in another process (a running `mediasift "
            "serve`?): qdrant-client's local mode is one process's; a worker beside the server needs "
            "a Qdrant server (MEDIASIFT_QDRANT_URL=http://host:6333) or pgvector"
        ) from None


class QdrantIndex:
    def __init__(
        self,
        url: str = ":memory:",
        api_key: str | None = None,
        prefix: str = "ms",
        dims: Mapping[str, int] | None = None,
        client: Any | None = None,
        *,
        wipe: bool = False,
    ) -> None:
        """``dims`` (space → dimension) fixes the spaces of a new collection; required unless the
        collection exists, whose own spaces then stand. ``wipe`` drops the collections first (see
        ``wipe``)."""
        qdrant_client = _client_module()
        self.models = qdrant_client.models
        self.prefix = prefix
        self.local = client is None and (url == ":memory:" or url.startswith("local:"))
        if client is None:
            if url == ":memory:":
                client = qdrant_client.QdrantClient(location=":memory:")
            elif url.startswith("local:"):
                client = _local_client(qdrant_client, url.removeprefix("local:"))
            else:
                client = qdrant_client.QdrantClient(url=url, api_key=api_key)
        self.client = client
        self._bm25 = _Bm25()
        self.collection = self._name(_POINTS)
        self._wanted = dict(dims) if dims else None
        if wipe:
            self._drop_collections(self._wanted or {})
        self.dims = self._open_collection(dims)
        self._migrate_split_layout()

    # -- the collection ----------------------------------------------------------------------------

    def _name(self, suffix: str) -> str:
        return f"{self.prefix}_{suffix}"

    def _open_collection(self, dims: Mapping[str, int] | None) -> dict[str, int]:
        """The collection's spaces and dimensions, creating it (and its payload indexes) if absent."""
        if self.client.collection_exists(self.collection):
            stored = self.client.get_collection(self.collection).config.params.vectors or {}
            found = {space: int(params.size) for space, params in stored.items()}
            if dims is not None and dict(dims) != found:
                log.warning(
                    "the Qdrant collection %s holds spaces %s, the configured embedders %s: "
                    "searches and upserts in a changed space fail until it is rebuilt",
                    self.collection,
                    found,
                    dict(dims),
                )
            self._index_about_fields()
            return found
        if not dims:
            raise ValueError(f"creating the Qdrant collection {self.collection} needs dims")
        m = self.models
        self.client.create_collection(
            self.collection,
            vectors_config={
                space: m.VectorParams(size=size, distance=m.Distance.COSINE) for space, size in dims.items()
            },
            sparse_vectors_config={_SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
            # Per-tenant graphs only: every query filters by tenant, so no global graph is built.
            hnsw_config=m.HnswConfigDiff(m=0, payload_m=16),
        )
        with self._quiet_local_mode():
            self.client.create_payload_index(
                self.collection,
                "tenant_id",
                field_schema=m.KeywordIndexParams(type=m.KeywordIndexType.KEYWORD, is_tenant=True),
            )
            for field in (*_FILTER_FIELDS, *_ABOUT_FIELDS):
                self.client.create_payload_index(
                    self.collection, field, field_schema=m.PayloadSchemaType.KEYWORD
                )
            for numeric in (_ADDED_AT, _QUALITY):
                self.client.create_payload_index(
                    self.collection, numeric, field_schema=m.PayloadSchemaType.FLOAT
                )
        return dict(dims)

    @contextmanager
    def _quiet_local_mode(self) -> Iterator[None]:
        """Local mode warns that payload indexes are unused there: we know."""
        with warnings.catch_warnings():
            if self.local:
                warnings.simplefilter("ignore", UserWarning)
            yield

    def _index_about_fields(self) -> None:
        """Give a collection created before the labels, entities, keywords and paths arrays (or the
        quality score) their indexes."""
        schema = self.client.get_collection(self.collection).payload_schema or {}
        with self._quiet_local_mode():
            for field in _ABOUT_FIELDS:
                if field not in schema:
                    self.client.create_payload_index(
                        self.collection, field, field_schema=self.models.PayloadSchemaType.KEYWORD
                    )
            if _QUALITY not in schema:
                self.client.create_payload_index(
                    self.collection, _QUALITY, field_schema=self.models.PayloadSchemaType.FLOAT
                )

    def _drop_collections(self, dims: Mapping[str, int]) -> None:
        """Drop the collection and any of the earlier layout (its keyword and per-space ones)."""
        for name in [self.collection, self._name(_OLD_KEYWORD), *map(self._name, dims)]:
            if self.client.collection_exists(name):
                self.client.delete_collection(name)

    def _migrate_split_layout(self) -> None:
        """Copy the earlier layout's collections into the one collection, then drop them.

        The keyword collection held every point (with payload and BM25 vector); each space's
        collection held that space's vectors. The keyword collection is dropped last, so a copy
        cut short runs again at the next open (upserts by id: nothing is duplicated).
        """
        old_keyword = self._name(_OLD_KEYWORD)
        if not self.client.collection_exists(old_keyword):
            return
        spaces = [s for s in self.dims if self._old_space_size(s) == self.dims[s]]
        log.info(
            "copying Qdrant collections %s into %s", [old_keyword, *map(self._name, spaces)], self.collection
        )
        offset = None
        while True:
            records, offset = self.client.scroll(
                old_keyword, limit=_PAGE, offset=offset, with_payload=True, with_vectors=True
            )
            self._copy_old_points(records, spaces)
            if offset is None:
                break
        for name in [*map(self._name, spaces), old_keyword]:
            self.client.delete_collection(name)

    def _old_space_size(self, space: str) -> int | None:
        """The vector size of the earlier layout's collection of ``space`` (None: it has none)."""
        name = self._name(space)
        if not self.client.collection_exists(name):
            return None
        return int(self.client.get_collection(name).config.params.vectors.size)

    def _copy_old_points(self, records: list[Any], spaces: list[str]) -> None:
        if not records:
            return
        m = self.models
        vectors: dict[Any, dict[str, Any]] = {
            r.id: {k: v for k, v in (r.vector or {}).items() if k == _SPARSE} for r in records
        }
        for space in spaces:
            found = self.client.retrieve(self._name(space), ids=list(vectors), with_vectors=True)
            for record in found:
                vectors[record.id][space] = record.vector
        structs = [m.PointStruct(id=r.id, vector=vectors[r.id], payload=r.payload) for r in records]
        self.client.upsert(self.collection, points=structs, wait=True)

    # -- writes ------------------------------------------------------------------------------------

    @staticmethod
    def _payload(p: IndexPoint) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "sid": p.id,
            "tenant_id": p.tenant_id,
            "media_id": p.media_id,
            "kind": p.kind,
            "collection": p.collection,
            "modality": p.modality,
            "language": p.language,
            "metadata": dict(p.metadata),
            "labels": list(p.labels),
            "entities": list(p.entities),
            "keywords": list(p.keywords),
            "paths": list(p.paths),
        }
        if p.added_at is not None:
            payload[_ADDED_AT] = float(p.added_at)
        if p.quality is not None:
            payload[_QUALITY] = float(p.quality)
        return payload

    def _checked_vector(self, space: str, vector: Sequence[float], what: str) -> list[float]:
        if space not in self.dims:
            raise InvalidRequest(f"unknown embedding space {space!r}; this index has {sorted(self.dims)}")
        if len(vector) != self.dims[space]:
            raise InvalidRequest(
                f"embedding space {space!r} holds {self.dims[space]}-d vectors, {what} is "
                f"{len(vector)}-d: a new embedding model needs `mediasift reindex --wipe`"
            )
        return [float(x) for x in vector]

    def _struct(self, p: IndexPoint) -> Any:
        m = self.models
        vector: dict[str, Any] = {
            space: self._checked_vector(space, values, f"point {p.id}") for space, values in p.vectors.items()
        }
        indices, values = self._bm25.document(p.text, p.language)
        vector[_SPARSE] = m.SparseVector(indices=indices, values=values)
        return m.PointStruct(id=point_uuid(p.id), vector=vector, payload=self._payload(p))

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace whole points by id: vectors absent from the new point go."""
        structs = [self._struct(p) for p in points]  # validate all before writing any
        for i in range(0, len(structs), _PAGE):
            self.client.upsert(self.collection, points=structs[i : i + _PAGE], wait=True)

    def delete_media(self, tenant_id: str, media_id: str) -> None:
        selector = self.models.FilterSelector(filter=self._filter(tenant_id, Filters(media_ids=[media_id])))
        self.client.delete(self.collection, points_selector=selector, wait=True)

    def replace_media(self, tenant_id: str, media_id: str, points: Sequence[IndexPoint]) -> None:
        """The media's points become ``points``: written first, then the media's others deleted, so
        a failure in between leaves the media findable until the job runs again."""
        m = self.models
        self.upsert(points)
        flt = self._filter(tenant_id, Filters(media_ids=[media_id]))
        if points:
            flt.must_not = [m.HasIdCondition(has_id=[point_uuid(p.id) for p in points])]
        self.client.delete(self.collection, points_selector=m.FilterSelector(filter=flt), wait=True)

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
                ("labels", filters.labels),
                ("entities", filters.entities),
                ("keywords", filters.keywords),
                ("paths", filters.paths),
            ):
                # None or [] narrows nothing; on an array field, MatchAny keeps a point holding any value
                if values:
                    must.append(m.FieldCondition(key=field, match=m.MatchAny(any=list(values))))
            for key, value in (filters.metadata or {}).items():
                must.append(m.FieldCondition(key=f"metadata.{key}", match=m.MatchValue(value=value)))
            after, before = added_bounds(filters)
            if after is not None or before is not None:
                must.append(m.FieldCondition(key=_ADDED_AT, range=m.Range(gte=after, lte=before)))
            if filters.min_quality is not None:
                must.append(m.FieldCondition(key=_QUALITY, range=m.Range(gte=float(filters.min_quality))))
        return m.Filter(must=must)

    def _hits(self, response: Any) -> list[IndexHit]:
        return by_score_then_id(
            [
                IndexHit(
                    id=point.payload["sid"], media_id=point.payload["media_id"], score=float(point.score)
                )
                for point in response.points
            ]
        )

    def _query(self, limit: int, filters: Any, **query: Any) -> list[IndexHit]:
        response = self.client.query_points(
            self.collection, query_filter=filters, limit=limit, with_payload=["sid", "media_id"], **query
        )
        return self._hits(response)

    def _keyword_query(self, text: str) -> Any | None:
        indices, values = self._bm25.query(text)
        return self.models.SparseVector(indices=indices, values=values) if indices else None

    def search_vector(
        self,
        space: str,
        tenant_id: str,
        vector: Sequence[float],
        limit: int,
        filters: Filters | None = None,
        *,
        media: bool = True,  # media_id comes with the point's id here at no extra cost: always given
    ) -> list[IndexHit]:
        query = self._checked_vector(space, vector, "the query")
        if limit <= 0:
            return []
        return self._query(limit, self._filter(tenant_id, filters), query=query, using=space)

    def search_keyword(
        self, tenant_id: str, text: str, limit: int, filters: Filters | None = None, *, media: bool = True
    ) -> list[IndexHit]:
        query = self._keyword_query(text)
        if limit <= 0 or query is None:
            return []
        return self._query(limit, self._filter(tenant_id, filters), query=query, using=_SPARSE)

    def search_hybrid(
        self,
        tenant_id: str,
        text: str,
        vectors: Mapping[str, Sequence[float]],
        limit: int,
        filters: Filters | None = None,
    ) -> list[IndexHit]:
        """Keyword and per-space vector searches fused by Qdrant's reciprocal rank fusion in one query."""
        m = self.models
        flt = self._filter(tenant_id, filters)
        stages = []
        keyword = self._keyword_query(text)
        if keyword is not None:
            stages.append(m.Prefetch(query=keyword, using=_SPARSE, filter=flt, limit=limit))
        for space, vector in vectors.items():
            query = self._checked_vector(space, vector, "the query")
            stages.append(m.Prefetch(query=query, using=space, filter=flt, limit=limit))
        if limit <= 0 or not stages:
            return []
        k, weights = engine_rrf(len(stages))
        return self._query(limit, flt, prefetch=stages, query=m.RrfQuery(rrf=m.Rrf(k=k, weights=weights)))

    def point_vectors(self, space: str, tenant_id: str, point_ids: Sequence[str]) -> dict[str, list[float]]:
        if not point_ids:
            return {}
        found = self.client.retrieve(
            self.collection,
            ids=[point_uuid(i) for i in point_ids],
            with_payload=["sid", "tenant_id"],
            with_vectors=[space],
        )
        return {
            str(r.payload["sid"]): [float(x) for x in r.vector[space]]
            for r in found
            if r.payload and r.payload.get("tenant_id") == tenant_id and space in (r.vector or {})
        }

    # -- maintenance -------------------------------------------------------------------------------

    def optimize(self) -> None:
        """Nothing to do: Qdrant builds its HNSW graphs in the background as points arrive."""

    def count(self, tenant_id: str | None = None) -> int:
        count_filter = None if tenant_id is None else self._filter(tenant_id, None)
        return int(self.client.count(self.collection, count_filter=count_filter, exact=True).count)

    def wipe(self) -> None:
        """Drop the collection (and any of the earlier layout) and create it again, empty, with the
        spaces the index was opened with (those it found when it was given none)."""
        dims = self._wanted or self.dims
        self._drop_collections(dims)
        self.dims = self._open_collection(dims)

    def close(self) -> None:
        self.client.close()
