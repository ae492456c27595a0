"""The embedded index: one Qdrant Edge shard on local disk, in this process.

Layout of the shard (``path``):

- one named dense vector per embedding space (``dims``: name → dimension), cosine distance. A point
  carries any subset of them: an image point has no ``text`` vector, a transcript segment no
  ``image`` vector, and a search in one space only ever sees points that carry it;
- sparse BM25 vectors computed from the point's ``text`` by ``qdrant_edge.Bm25``: analysed with
  the English Snowball stemmer and stopwords (``bm25_en``), with the Spanish ones (``bm25_es``), or
  both. A query has no language, so it is analysed both ways and keyword search sums the two BM25
  scores (Elasticsearch's "most fields"): "running" finds "runs" through English and
  "temperaturas" finds "temperatura" through Spanish. A point in English or Spanish is analysed
  with its own language's stemmer only, as the Qdrant server's and pgvector's indexes analyse it,
  and its terms' weights are doubled (``_ONE_ANALYSIS_WEIGHT``); a point of no language or
  another (a tag, a short OCR line, code) is analysed both ways. Shards written before hold both
  analyses of every point, which score on the same scale.
  The engine applies IDF (``Modifier.Idf``) over the querying tenant's points only, so one
  tenant's corpus never shapes another's scores (where every point is the tenant's and none was
  ever deleted, the engine's IDF over every point: the same figure);
- payload ``tenant_id`` (a tenant keyword index), ``media_id``, ``kind``, ``collection``,
  ``modality``, ``language`` (keyword indexes), ``added_at`` (epoch seconds, a float index;
  absent on points indexed before it existed, until ``mediasift reindex``), ``labels``,
  ``entities``, ``keywords`` and ``paths`` (arrays of strings under keyword indexes: a filter list
  matches a point holding any of its values; ``paths`` holds a source file's ``path_terms``) and
  ``metadata`` (a dict, matched by exact value). The four lists and ``metadata`` are absent where
  empty. The text itself is not stored on the point: only its BM25 vectors are; a hit's text
  comes from the catalog, and the binding converted each payload field at ~6 us a string (shards
  written before that still hold a ``text`` field, which nothing reads).

Every query carries the tenant condition inside the engine's filter, never as a post-filter, and
so does every other filter, the added-date window included, except where every point of the shard
is that tenant's (``_sole_tenant``: counted by the first query on the open shard, kept by each
upsert under the lock every query holds while it is built and run): there the condition selects
every live point, and cost a third of a vector scan's CPU (and its IDF, where it can go, half of a
keyword search's).
``search_hybrid`` is one engine query: a prefetch per list, fused by the engine's reciprocal rank
fusion.

Durability: the shard's write-ahead log makes every ``upsert``/``delete_media`` that returned
survive the process being killed (``kill -9``); segments are flushed at most every 30 s of writes,
after an ``optimize`` that rebuilt segments and on ``close`` so the log stays short and reopening is
fast. One process owns
a shard: a second open of the same path fails with ``BackendUnavailable``.

Vector search is exact, with no HNSW graph. A segment holding over ``_OPTIMIZE_FROM_KB`` of
vectors (~21,000 text vectors) is optimized: its dense vectors are also kept as int8 (scalar
quantization, in memory), it is scanned on those and its best ``limit × _OVERSAMPLING`` are scored
again on the originals, which order the hits; smaller segments are scanned on their originals. The
originals are float16 (``_STORED``; shards written before keep float32): scores come within ~1e-4
of float32's, a stored vector's components within 5e-4.
Edge optimizes nothing in the background: ``upsert`` asks for it every ``_OPTIMIZE_EVERY`` points,
``optimize()`` at once (reindex, bulk loads).
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import qdrant_edge as qe

from mediasift.domain import Filters, IndexHit, IndexPoint, added_bounds
from mediasift.errors import BackendUnavailable, InvalidRequest
from mediasift.index.base import by_score_then_id
from mediasift.index.fusion import engine_rrf

__all__ = ["EdgeIndex"]

log = logging.getLogger(__name__)

# Sparse vector names: reserved, a dense space may not use them.
BM25_EN = "bm25_en"
BM25_ES = "bm25_es"

# A point analysed with one stemmer (its language's) scores against a query's one analysis what a
# point analysed with both scores against its two, about twice as much: its terms are weighted
# twice, so the two kinds rank on one scale. Without it, keyword-only search ranked the
# evaluation's English answers below Spanish near misses (``python -m bench.retrieval``, keyword
# mode, development English MRR@10 0.93 -> 0.70; with it 1.00). Analysing a point once halves
# the analysers' time, an upsert's largest cost (docs/benchmarks.md, "Peer: txtai").
_ONE_ANALYSIS_WEIGHT = 2.0

# Segments are ~800 characters (Settings.chunk_chars): about 100 tokens once stopwords are gone.
# BM25's length normalisation compares each document with this; it is baked into stored vectors.
_BM25_AVG_LEN = 100.0

# Keyword search fetches this many candidates per analyser before summing their scores, so a
# point that ranks low in one language but high in the other still reaches the final top ``limit``.
_KEYWORD_PREFETCH_FACTOR = 4
_KEYWORD_PREFETCH_MIN = 50

# The binding holds the GIL for the whole of every engine call, so a long call stalls every thread
# of the process, the API's included: an update of 512 points held it ~0.2 s here, a flush 0.05-1.6 s.
# Updates go in small batches, each under the lock on its own, so a search waits for one batch at
# most; segments are flushed rarely, the write-ahead log covering what is not yet flushed.
_UPSERT_BATCH = 64  # points per engine update
_FLUSH_INTERVAL_S = 30.0  # flush segments at most this often while writing

# Exact search on int8 copies of the vectors instead of HNSW graphs. A graph cost minutes to
# build at 100k points on two cores (optimize() on 10,000 text points built the text graph and one
# per indexed payload value: 39 s loaded, 5 s at load 4), and live ingest never built one, so an
# ingested shard was scanned on its float32 vectors: 20,000 random 384-d vectors 1.8 ms a search,
# 100,000 9.8 ms, 17 ms filtered to a tenant and a language. Their int8 copies, rescored, took 0.34
# and 1.8 ms, 4.2 ms filtered, at recall@10 1.0 against numpy's exact top 10; quantizing 20,000
# took 0.24 s and 100,000 1.3 s (scratch, 2026-12-05; ``bench.edge_live`` measures a shard filled
# as ingest fills it). Past ~1M points a graph pays: that is the Qdrant server's or pgvector's
# scale (docs/scale-out.md).
_QUANTIZED = qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, always_ram=True)
# m=0: no graph (the binding requires the other two, which then do nothing).
_NO_GRAPH = qe.HnswIndexConfig(m=0, ef_construct=100, full_scan_threshold=10_000, payload_m=0)
# Each segment's int8 best ``limit × _OVERSAMPLING`` are rescored on the originals: 2 kept every
# true top 10 of 30-deep searches on random vectors, where no rescoring kept 93 %, and every true
# top 30 of the peer corpus's 20,000 e5 passages (scratch).
_OVERSAMPLING = 2.0
# The originals are stored as float16: a scan reads half the bytes. On the peer benchmark's 20,000
# e5 passages a 30-deep scan took 0.95 ms against 1.41, 1.03 against 1.80 filtered to one language
# (p50; scratch, 2026-12-05), its scores within 7e-5 of float32's and 1,997 of the 2,000 exact top
# 10s' members found (three near-ties traded places at the cut). A shard written before keeps float32
# (``_stored_datatypes``) until ``mediasift reindex --wipe``.
_STORED = qe.VectorStorageDatatype.Float16
# A segment holding more vector kilobytes than this is optimized (quantized) by ``optimize``
# (~21,000 float16 text vectors of 384 dimensions, 6,000 image vectors of 1,280; a shard that keeps
# float32 vectors has its bounds doubled, so it optimizes at the same counts); below it, it is
# scanned on its originals (20,000 float32 text vectors: ~1.8 ms). Optimizing costs ~70 us a point
# and holds the GIL throughout (the binding's), stalling every thread of the process, the API's
# included: 20,000 peer-benchmark points took 1.4 s at once, or 0.76 + 0.76 + 0.56 s optimized
# every 8,000; their build was 4.3 s without it. So a shard is optimized in large, rare steps,
# only once a scan would cost more than the stall saves.
_OPTIMIZE_FROM_KB = 16_000
# Merged segments stay under this size and count, so an optimize rewrites a bounded part of the
# shard: with the engine's defaults (segments as many as cores, no bound) each optimize of a
# growing 100,000-point shard merged it whole again, up to 2 s.
_MAX_SEGMENT_KB = 32_000
_SEGMENTS = 6
# The shard's search pool reads a query's segments in parallel, as many threads as CPUs by default.
# A shard of one segment (every shard until ``optimize`` splits one past ``_OPTIMIZE_FROM_KB``) gives
# the pool nothing to share but a hand-off: two copies of the peer benchmark's 20,000-chunk home
# searched side by side on a 2-vCPU EPYC, p50 4.7-9.6 % lower with one thread in four runs of four
# (p95 without a steady difference; the twenty-second session's p95 10-18 % lower). At 100,000
# points in five segments two threads won (p95 12.2 against 15.1 ms, twenty-second session), so a
# shard that optimize leaves in several segments is reopened with the default.
_ONE_SEGMENT_SEARCH_THREADS = 1
# ``upsert`` asks the engine to optimize after this many points; below ``_OPTIMIZE_FROM_KB`` there
# is nothing to do and the call returns at once.
_OPTIMIZE_EVERY = 8_000

_KEYWORD_FIELDS = (
    "tenant_id", "media_id", "kind", "collection", "modality", "language", "labels", "entities", "keywords",
    "paths",
)  # fmt: skip
# Keyword fields an optimized segment keeps its points grouped by (the engine's tenant layout): a
# scan filtered to one tenant and one language reads neighbouring vectors, not every other one.
# 100,000 int8 points filtered to a tenant and a language: 2.3 ms a search against 3.4 ms grouped
# by the tenant alone (scratch, 2026-12-05).
_PARTITIONS = ("tenant_id", "language")
_ADDED_AT = "added_at"
_LANGUAGES_COUNTED = 256  # a shard with as many languages as this is not narrowed by them
# The payload a hit reads for its media id. Asking for it costs ~0.2 ms of a 30-deep vector
# search's ~1 ms CPU at 100k points (~7 us a point found), so a search that reads the media from
# the catalog anyway asks for no payload (``media=False``).
_WITH_MEDIA = ["media_id"]
_QUALITY = "quality"  # the media's overall quality score, 0–1 (absent until measured)
_FILTER_FIELDS = {
    "kinds": "kind",
    "collections": "collection",
    "modalities": "modality",
    "media_ids": "media_id",
    "languages": "language",
    "labels": "labels",
    "entities": "entities",
    "keywords": "keywords",
    "paths": "paths",
}


@dataclass(frozen=True, slots=True)
class _KeywordStage:
    """Keyword search as a query stage: one BM25 prefetch per analyser and the formula summing them."""

    prefetches: list[qe.Prefetch]
    query: qe.Formula


def _analysers() -> dict[str, qe.Bm25]:
    """One BM25 analyser per stemmer. Both drop English *and* Spanish stopwords, so "the" is not a
    Spanish term nor "de" an English one; both fold accents, as people type "cancion" for "canción"."""
    stopwords = qe.StopwordsSet(languages={qe.Language.English, qe.Language.Spanish})

    def analyser(language: str) -> qe.Bm25:
        config = qe.Bm25Config(
            language=language, stopwords=stopwords, ascii_folding=True, avg_len=_BM25_AVG_LEN
        )
        return qe.Bm25(config)

    return {BM25_EN: analyser("english"), BM25_ES: analyser("spanish")}


class EdgeIndex:
    """``Index`` on a Qdrant Edge shard under ``path`` (created if absent, reopened if present).

    ``dims`` maps each embedding space to its vector dimension, e.g. ``{"text": 384, "image":
    1280}``; reopening a shard with different spaces or dimensions raises ``BackendUnavailable``
    (the index is a projection of the catalog: rebuild it with ``mediasift reindex --wipe``).

    Thread-safe: every engine call runs under one lock, so API and worker threads may share an
    instance. Scores are higher-is-better: cosine similarity for vector search, summed BM25 for
    keyword search, reciprocal-rank fusion for ``search_hybrid``. Hit ids are the point ids in
    canonical UUID form (lowercase, hyphenated).

    ``hnsw_ef`` is the HNSW search breadth for vector queries (``None``: the engine's default).
    Shards no longer build HNSW graphs (the module's docstring), so it changes nothing; it is kept
    so that configurations setting it still load.
    ``wipe`` deletes the shard at ``path`` before opening (see ``wipe``), so a shard of other
    spaces or dimensions opens, empty.
    """

    def __init__(
        self, path: Path, dims: dict[str, int], hnsw_ef: int | None = None, *, wipe: bool = False
    ) -> None:
        _check_dims(dims)
        self.path = Path(path)
        self.dims = dict(dims)
        self.hnsw_ef = hnsw_ef
        self._lock = threading.Lock()
        self._analysers = _analysers()
        if wipe:
            _remove_shard(self.path)
        # A shard keeps the element type its vectors were written with (the engine refuses another).
        self._search_threads = _search_threads(self.path)
        self._shard: qe.EdgeShard | None = self._open(self._config(_stored_datatypes(self.path)))
        self._last_flush = time.monotonic()
        self._unoptimized = 0  # points upserted since the last optimize
        # The tenants whose live points the shard holds, or more (``_sole_tenant``), None among
        # them for points without one; None: not counted yet.
        self._tenants: frozenset[str | None] | None = None
        # The languages of the shard's live points, or more (``_held_languages``); None: not counted.
        self._languages: frozenset[str] | None = None
        self._ever_deleted = self._deleted.exists()

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace whole points by id: vectors and payload absent from the new point go.

        Durable against a process kill once this returns (write-ahead log).
        """
        # A point given twice counts as its last version (one upsert's order decided that before;
        # a payload set apart would not), and every operation is built, so every point validated,
        # before any is written.
        points = list({point.id: point for point in points}.values())
        batches = [
            self._engine_batch(points[i : i + _UPSERT_BATCH]) for i in range(0, len(points), _UPSERT_BATCH)
        ]
        tenants = {point.tenant_id for point in points}
        languages = {point.language for point in points if point.language}
        for first, operations in zip(range(0, len(points), _UPSERT_BATCH), batches, strict=True):
            with self._lock:  # a search in this process sees a batch's points with their payload
                shard = self._open_shard()
                if self._tenants is not None:
                    self._tenants |= tenants
                if self._languages is not None:
                    self._languages |= languages
                if not self._ever_deleted:
                    # A replaced point's old version is a deleted one (``_keyword_stage``).
                    ids: list[int | uuid.UUID | str] = [p.id for p in points[first : first + _UPSERT_BATCH]]
                    if shard.retrieve(ids, False, False):
                        self._mark_deleted()
                for operation in operations:
                    shard.update(operation)
        with self._lock:
            self._unoptimized += len(points)
            if self._unoptimized < _OPTIMIZE_EVERY:
                self._flush_if_due(self._open_shard())
                return
            try:
                self._optimize(self._open_shard())
            except Exception:  # the binding raises bare Exception for engine errors
                # The points are written (write-ahead log): a failed optimize leaves segments
                # scanned on their floats, and must not fail the job that wrote them.
                log.warning(
                    "optimizing the index at %s failed; searches stay exact", self.path, exc_info=True
                )

    def _engine_batch(self, points: Sequence[IndexPoint]) -> list[qe.UpdateOperation]:
        """The points, then each payload that several of them share set once on all of them.

        The binding converts a payload value by trying bool, u64, i64 and f64 before str, each
        failure a Python exception (~6 us a string field, seven fields a point), and the points of
        one media mostly share theirs: 8,000 points four to a media took 1.07 s to convert with a
        payload each, 0.54 s this way, the engine's updates 0.92 then 0.98 s (loaded machine). A
        payload no other point of the batch shares goes with its point: a second engine update
        would cost what the conversion saves. A process killed between the upsert and the shared
        payloads leaves points without a tenant, which no search or filter matches, until the
        media's ingest runs again and replaces them.
        """
        keys = [_payload_key(point) for point in points]
        shared: dict[tuple[Any, ...], list[qe.PointId]] = {}
        for point, key in zip(points, keys, strict=True):
            shared.setdefault(key, []).append(point.id)
        engine_points = [
            self._to_engine_point(point, _payload(key) if len(shared[key]) == 1 else None)
            for point, key in zip(points, keys, strict=True)
        ]
        operations = [qe.UpdateOperation.upsert_points(engine_points)]
        for key, ids in shared.items():
            if len(ids) > 1:
                operations.append(qe.UpdateOperation.set_payload(ids, _payload(key)))
        return operations

    def delete_media(self, tenant_id: str, media_id: str) -> None:
        """Remove every point of one media of one tenant (another tenant's same id is untouched)."""
        flt = qe.Filter(must=[_equals("tenant_id", tenant_id), _equals("media_id", media_id)])
        with self._lock:
            shard = self._open_shard()
            if not shard.count(qe.CountRequest(filter=flt, exact=True)):
                return  # a new media's first ingest: nothing to delete
            self._mark_deleted()  # before the deletion: a kill between the two errs safe
            shard.update(qe.UpdateOperation.delete_points_by_filter(flt))
            self._flush_if_due(shard)

    def replace_media(self, tenant_id: str, media_id: str, points: Sequence[IndexPoint]) -> None:
        """The media's points become ``points``: written first, then the media's others deleted, so
        a search in between finds the media (its points' ids are its segments', mostly the same
        ones), and a failure leaves it findable until the job runs again."""
        self.upsert(points)
        keep: set[qe.PointId] = {point.id for point in points}
        flt = qe.Filter(
            must=[_equals("tenant_id", tenant_id), _equals("media_id", media_id)],
            must_not=[qe.HasIdCondition(keep)] if keep else None,
        )
        with self._lock:
            shard = self._open_shard()
            if not shard.count(qe.CountRequest(filter=flt, exact=True)):
                return
            self._mark_deleted()  # before the deletion: a kill between the two errs safe
            shard.update(qe.UpdateOperation.delete_points_by_filter(flt))
            self._flush_if_due(shard)

    def optimize(self) -> None:
        """Quantize new segments, merge small ones and index their payloads now; blocks until done."""
        with self._lock:
            self._optimize(self._open_shard())

    def wipe(self) -> None:
        """Delete the shard's files and create it again, empty, with ``dims``.

        Refuses (``BackendUnavailable``) a directory that holds files but no shard, rather than
        deleting what is not the index's.
        """
        with self._lock:
            shard, self._shard = self._open_shard(), None
            shard.close()
            _remove_shard(self.path)
            self._search_threads = _ONE_SEGMENT_SEARCH_THREADS
            self._shard = self._open(self._config())
            self._tenants = None
            self._languages = None
            self._ever_deleted = False
            self._last_flush = time.monotonic()
            self._unoptimized = 0

    # -- reads ----------------------------------------------------------------------------------

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
        """Nearest points in ``space`` by cosine similarity (1.0 = same direction), best first.
        ``media=False``: each hit's ``media_id`` is ``""`` (``_WITH_MEDIA``)."""
        query = qe.Query.Nearest(self._checked_vector(space, vector), using=space)

        def request(sole: str | None) -> qe.QueryRequest:
            return qe.QueryRequest(
                limit=limit,
                query=query,
                filter=_filter(tenant_id, filters, sole, self._languages),
                with_payload=_WITH_MEDIA if media else None,
                params=self._vector_params(),
            )

        return self._run(request, limit, media=media)

    def search_keyword(
        self, tenant_id: str, text: str, limit: int, filters: Filters | None = None, *, media: bool = True
    ) -> list[IndexHit]:
        """Points whose text shares stemmed terms with ``text`` (English or Spanish), by BM25, best first.

        A query with no searchable term (empty, only stopwords) finds nothing. ``media`` as for
        ``search_vector``.
        """

        def request(sole: str | None) -> qe.QueryRequest | None:
            keyword = self._keyword_stage(tenant_id, text, limit, filters, sole)
            if keyword is None:
                return None
            return qe.QueryRequest(
                limit=limit,
                prefetches=keyword.prefetches,
                query=keyword.query,
                filter=_filter(tenant_id, filters, sole, self._languages),
                with_payload=_WITH_MEDIA if media else None,
            )

        return self._run(request, limit, media=media)

    def search_hybrid(
        self,
        tenant_id: str,
        text: str,
        vectors: Mapping[str, Sequence[float]],
        limit: int,
        filters: Filters | None = None,
    ) -> list[IndexHit]:
        """Keyword and per-space vector searches fused by reciprocal rank inside one engine query.

        Ranks as ``fusion.rrf`` (see ``Index.search_hybrid``); scores are float32.
        """
        nearest = [
            qe.Query.Nearest(self._checked_vector(space, vector), using=space)
            for space, vector in vectors.items()
        ]

        def request(sole: str | None) -> qe.QueryRequest | None:
            flt = _filter(tenant_id, filters, sole, self._languages)
            stages = []
            keyword = self._keyword_stage(tenant_id, text, limit, filters, sole)
            if keyword is not None:
                stages.append(
                    qe.Prefetch(limit=limit, prefetches=keyword.prefetches, query=keyword.query, filter=flt)
                )
            stages += [
                qe.Prefetch(limit=limit, query=query, filter=flt, params=self._vector_params())
                for query in nearest
            ]
            if not stages:
                return None
            k, weights = engine_rrf(len(stages))
            return qe.QueryRequest(
                limit=limit,
                prefetches=stages,
                # qdrant-edge's stub does not declare Fusion.Rrf a Fusion, which it is at run time
                query=qe.Fusion.Rrf(k=k, weights=weights),  # type: ignore[arg-type]
                filter=flt,
                with_payload=_WITH_MEDIA,
            )

        return self._run(request, limit)

    def point_vectors(self, space: str, tenant_id: str, point_ids: Sequence[str]) -> dict[str, list[float]]:
        ids: list[int | uuid.UUID | str] = []
        for point_id in point_ids:
            try:
                ids.append(str(uuid.UUID(point_id)))
            except ValueError:
                continue  # never stored: every point id is a UUID
        if not ids:
            return {}
        with self._lock:
            found = self._open_shard().retrieve(ids, ["tenant_id"], [space])
        vectors = {}
        for record in found:
            stored = record.vector.get(space) if isinstance(record.vector, dict) else None
            if (record.payload or {}).get("tenant_id") == tenant_id and isinstance(stored, list):
                vectors[str(record.id)] = [float(x) for x in stored]  # type: ignore[arg-type]
        return vectors

    def count(self, tenant_id: str | None = None) -> int:
        """Number of points, for one tenant or (``None``) all of them. Exact."""
        flt = None if tenant_id is None else qe.Filter(must=[_equals("tenant_id", tenant_id)])
        with self._lock:
            return self._open_shard().count(qe.CountRequest(filter=flt, exact=True))

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Flush and release the shard (and its lock on ``path``). Idempotent."""
        with self._lock:
            if self._shard is None:
                return
            shard, self._shard = self._shard, None
            shard.flush()
            shard.close()

    def __enter__(self) -> EdgeIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------------

    def _config(self, stored: Mapping[str, qe.VectorStorageDatatype | None] | None = None) -> qe.EdgeConfig:
        """The shard's configuration; ``stored``: the element type of each space an existing shard
        holds (None: float32), else ``_STORED``."""
        types = {name: (stored or {}).get(name, _STORED) for name in self.dims}
        # The bounds are float16 kilobytes; float32 vectors take twice as many for the same points.
        scale = 2 if None in types.values() else 1
        return qe.EdgeConfig(
            vectors={
                name: qe.EdgeVectorParams(
                    size=size,
                    distance=qe.Distance.Cosine,
                    datatype=types[name],
                    quantization_config=_QUANTIZED,
                    hnsw_config=_NO_GRAPH,
                )
                for name, size in self.dims.items()
            },
            sparse_vectors={
                name: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf) for name in self._analysers
            },
            optimizers=qe.EdgeOptimizersConfig(
                indexing_threshold=_OPTIMIZE_FROM_KB * scale,
                max_segment_size=_MAX_SEGMENT_KB * scale,
                default_segment_number=_SEGMENTS,
            ),
            max_search_threads=self._search_threads,
        )

    def _open(self, config: qe.EdgeConfig) -> qe.EdgeShard:
        exists = (self.path / "edge_config.json").exists()
        try:
            if exists:
                # With a config, load checks the stored vectors match it (and refuses otherwise).
                shard = qe.EdgeShard.load(str(self.path), config)
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                shard = qe.EdgeShard.create(str(self.path), config)
        except Exception as exc:  # the binding raises bare Exception for engine errors
            raise BackendUnavailable(_open_error(self.path, self.dims, exc)) from exc
        # Idempotent; also upgrades shards created before a field was indexed.
        for field in _KEYWORD_FIELDS:
            params = qe.KeywordIndexParams(is_tenant=field in _PARTITIONS)
            shard.update(qe.UpdateOperation.create_field_index(field, params))
        shard.update(qe.UpdateOperation.create_field_index(_ADDED_AT, qe.FloatIndexParams()))
        shard.update(qe.UpdateOperation.create_field_index(_QUALITY, qe.FloatIndexParams()))
        return shard

    def _open_shard(self) -> qe.EdgeShard:
        if self._shard is None:
            raise BackendUnavailable(f"the index at {self.path} is closed")
        return self._shard

    def _optimize(self, shard: qe.EdgeShard) -> None:
        self._unoptimized = 0
        if shard.optimize():
            shard.flush()
            self._last_flush = time.monotonic()
            if self._search_threads is not None and shard.info().segments_count > 1:
                # Several segments now: the search pool's default threads read them side by side.
                self._shard = None
                shard.close()
                self._search_threads = None
                self._shard = self._open(self._config(_stored_datatypes(self.path)))
        else:
            # Nothing rebuilt: the write-ahead log already holds every write, and a flush of
            # 2,000 new points took 0.6-0.9 s here, as long as upserting them.
            self._flush_if_due(shard)

    def _flush_if_due(self, shard: qe.EdgeShard) -> None:
        now = time.monotonic()
        if now - self._last_flush >= _FLUSH_INTERVAL_S:
            shard.flush()
            self._last_flush = now

    def _run(
        self, request: Callable[[str | None], qe.QueryRequest | None], limit: int, *, media: bool = True
    ) -> list[IndexHit]:
        """The hits of the query ``request`` builds, given the shard's only tenant (``_sole_tenant``)
        under the same hold of the lock as the query, so no upsert lands between the two; None
        from ``request``: nothing to search."""
        if limit <= 0:
            return []
        with self._lock:
            shard = self._open_shard()
            self._held_languages(shard)  # for ``_filter``, which the request's builder calls
            query = request(self._sole_tenant(shard))
            if query is None:
                return []
            found = shard.query(query)
        if not media:
            hits = [IndexHit(id=str(p.id), media_id="", score=p.score) for p in found]
        else:
            hits = [
                IndexHit(id=str(p.id), media_id=(p.payload or {})["media_id"], score=p.score) for p in found
            ]
        return by_score_then_id(hits)

    def _checked_vector(self, space: str, vector: Sequence[float]) -> list[float]:
        if space not in self.dims:
            raise InvalidRequest(f"unknown embedding space {space!r}; this index has {sorted(self.dims)}")
        if len(vector) != self.dims[space]:
            raise InvalidRequest(
                f"a {space!r} vector has {self.dims[space]} dimensions, this one has {len(vector)}"
            )
        if isinstance(vector, np.ndarray):
            return vector.tolist()
        if isinstance(vector, list):
            return vector  # the binding reads each number itself; a copy cost ~10 us a point
        return list(map(float, vector))

    def _to_engine_point(self, point: IndexPoint, payload: dict[str, Any] | None) -> qe.Point:
        """The point's vectors, dense and BM25, and ``payload`` (None: set apart, ``_engine_batch``)."""
        vectors: dict[str, Any] = {
            space: self._checked_vector(space, values) for space, values in point.vectors.items()
        }
        if point.text.strip():
            own = _own_analysis(point.language)
            for name in [own] if own else self._analysers:
                sparse = self._analysers[name].embed_document(point.text)
                if not sparse.indices:  # a text of stopwords only has no terms to index
                    continue
                if own:
                    weighted = [_ONE_ANALYSIS_WEIGHT * value for value in sparse.values]
                    sparse = qe.SparseVector(sparse.indices, weighted)
                vectors[name] = sparse
        try:
            # The binding parses the id as a UUID (any of its spellings) itself; parsing it here
            # first as well cost ~6 us a point.
            return qe.Point(point.id, vectors, payload)
        except ValueError as exc:
            raise InvalidRequest(f"point id {point.id!r} is not a UUID (segment ids are): {exc}") from exc

    def _vector_params(self) -> qe.SearchParams:
        # Rescoring is asked for: without it the engine orders an exact scan by the int8 scores.
        rescored = qe.QuantizationSearchParams(rescore=True, oversampling=_OVERSAMPLING)
        return qe.SearchParams(hnsw_ef=self.hnsw_ef, quantization=rescored)

    @property
    def _deleted(self) -> Path:
        """A file in the shard that says a point of it was deleted or replaced, ever (``wipe``
        removes it with the shard): the engine's IDF over every point keeps counting a deleted
        point's terms, even after the shard is opened again (a test found it), where IDF over a
        tenant's points does not."""
        return self.path / "mediasift-deleted"

    def _mark_deleted(self) -> None:
        if not self._ever_deleted:
            self._deleted.touch()
            self._ever_deleted = True

    def _sole_tenant(self, shard: qe.EdgeShard) -> str | None:
        """The tenant every live point of the shard belongs to, if there is one (None: none or
        several). Counted by the first query after the shard opens (a facet and a count: 14–20 ms
        at 100,000 points), then kept by ``upsert`` (a deletion leaves it as it was: a tenant
        more, not fewer, than there are).
        A search never finds a deleted point, whatever its filter. The caller holds the lock."""
        if self._tenants is None:
            # Values by count, highest first; a tenant whose points were all deleted stays, with 0.
            facet = shard.facet(qe.FacetRequest("tenant_id", limit=2, exact=True))
            hits = [hit for hit in facet.hits if hit.count]
            tenants: set[str | None] = {str(hit.value) for hit in hits}
            if len(hits) == 1 and hits[0].count != shard.count(qe.CountRequest(exact=True)):
                # Points without a tenant: a process killed between a batch's points and their
                # payload (``_engine_batch``).
                tenants.add(None)
            self._tenants = frozenset(tenants)
        return next(iter(self._tenants)) if len(self._tenants) == 1 else None

    def _held_languages(self, shard: qe.EdgeShard) -> frozenset[str] | None:
        """The languages the shard's live points have, or more (None: too many to count, no
        narrowing). Counted by the first query after the shard opens, then kept by ``upsert``, as
        ``_sole_tenant``; a deletion leaves a language that may have gone, which narrows less, never
        wrongly. The caller holds the lock."""
        if self._languages is None:
            facet = shard.facet(qe.FacetRequest("language", limit=_LANGUAGES_COUNTED, exact=True))
            if len(facet.hits) < _LANGUAGES_COUNTED:
                self._languages = frozenset(str(hit.value) for hit in facet.hits if hit.count)
        return self._languages

    def _keyword_stage(
        self, tenant_id: str, text: str, limit: int, filters: Filters | None, sole: str | None
    ) -> _KeywordStage | None:
        """The per-language BM25 prefetches and the formula summing their scores; None: no terms.
        ``sole``: the shard's only tenant, if it has one (``_sole_tenant``)."""
        flt = _filter(tenant_id, filters, sole, self._languages)
        # IDF over this tenant's points only: the wall holds for statistics too. Where the shard
        # holds no other tenant's points and never held a deleted one (``_deleted``), the
        # engine's own IDF, over every point, is the same figure without the filter, which cost
        # half of a keyword search (100,000 points: 3.6 ms of CPU with it, 1.9 ms without, the
        # same scores; scratch, 2026-12-05).
        exact = sole == tenant_id and not self._ever_deleted
        corpus = None if exact else qe.Filter(must=[_equals("tenant_id", tenant_id)])
        params = None if corpus is None else qe.SearchParams(idf=qe.IdfParams(corpus=corpus))
        depth = _prefetch_depth(limit)
        prefetches = []
        for name, analyser in self._analysers.items():
            sparse = analyser.embed_query(text)
            if sparse.indices:
                query = qe.Query.Nearest(sparse, using=name)
                prefetches.append(qe.Prefetch(limit=depth, query=query, filter=flt, params=params))
        if not prefetches:
            return None
        # A point found by one analyser only scores 0 for the other.
        scores = [f"$score[{i}]" for i in range(len(prefetches))]
        formula = qe.Formula(
            qe.Expression.Sum([qe.Expression.Variable(s) for s in scores]),
            defaults=dict.fromkeys(scores, 0.0),
        )
        return _KeywordStage(prefetches, formula)


def _own_analysis(language: str | None) -> str | None:
    """The one BM25 analysis of a point in ``language`` (English or Spanish, as the Qdrant server's
    index tells them: by prefix); None: both."""
    return {"en": BM25_EN, "es": BM25_ES}.get((language or "")[:2])


def _prefetch_depth(limit: int) -> int:
    return max(limit * _KEYWORD_PREFETCH_FACTOR, _KEYWORD_PREFETCH_MIN)


def _equals(key: str, value: str) -> qe.FieldCondition:
    return qe.FieldCondition(key, match=qe.MatchValue(value))


def _filter(
    tenant_id: str, filters: Filters | None, sole: str | None, held: frozenset[str] | None = None
) -> qe.Filter | None:
    """The engine filter: the tenant, then each given narrowing (an empty list narrows nothing).
    ``sole``: the shard's only tenant, if it has one (``EdgeIndex._sole_tenant``). Where that is
    ``tenant_id``, the tenant's condition would match every point and is left out: it cost a
    scan of 100,000 int8 vectors 3.2 ms of CPU against 2.3 ms without (scratch, 2026-12-05).
    ``held``: the languages the shard's points have, or more (``EdgeIndex._held_languages``); a
    language filter keeps only those, and matches nothing where none is left."""
    must: list[Any] = [] if sole == tenant_id else [_equals("tenant_id", tenant_id)]
    if filters is not None:
        for attr, key in _FILTER_FIELDS.items():
            values = getattr(filters, attr)
            if attr == "languages" and values and held is not None:
                # Search's cross-lingual list asks English *and* the ten code languages, which a
                # shard rarely all holds: scanning the peer benchmark's 20,000 unoptimized
                # passages took 2.1 ms filtered to the eleven, 1.1-1.5 ms to English alone
                # (p50, scratch, 2026-12-07).
                values = [v for v in values if v in held]
                if not values:
                    return _NOTHING
            if len(values or ()) == 1:
                # One value as MatchValue: the same points, but a scan of 100,000 int8 vectors
                # filtered to one language took 1.9 ms against 2.7 ms with MatchAny of it.
                must.append(_equals(key, str(values[0])))
            elif values:
                must.append(qe.FieldCondition(key, match=qe.MatchAny([str(v) for v in values])))
        for key, value in (filters.metadata or {}).items():
            must.append(_equals(f"metadata.{_metadata_key(key)}", str(value)))
        after, before = added_bounds(filters)
        if after is not None or before is not None:
            must.append(qe.FieldCondition(_ADDED_AT, range=qe.RangeFloat(gte=after, lte=before)))
        if filters.min_quality is not None:
            must.append(qe.FieldCondition(_QUALITY, range=qe.RangeFloat(gte=float(filters.min_quality))))
    return qe.Filter(must=must) if must else None


# A filter no point passes (an id list with no id): a language filter naming none the shard holds.
_NOTHING = qe.Filter(must=[qe.HasIdCondition(set())])


def _metadata_key(key: str) -> str:
    # The key becomes part of a JSON path: keep it to characters that cannot change the path.
    if not key or not all(c.isalnum() or c in "_-" for c in key):
        raise InvalidRequest(f"metadata filter key {key!r}: use letters, digits, '_' and '-' only")
    return key


def _search_threads(path: Path) -> int | None:
    """The search pool's threads for the shard at ``path``: one while it holds one segment (or is
    new), else None, the engine's default (``_ONE_SEGMENT_SEARCH_THREADS``)."""
    segments = path / "segments"
    count = sum(1 for entry in segments.iterdir() if entry.is_dir()) if segments.is_dir() else 0
    return _ONE_SEGMENT_SEARCH_THREADS if count <= 1 else None


def _remove_shard(path: Path) -> None:
    """Delete the shard at ``path``; a missing or empty directory is nothing to delete."""
    if not path.exists():
        return
    if not (path / "edge_config.json").exists() and any(path.iterdir()):
        raise BackendUnavailable(f"{path} holds files but no index shard: not deleting them")
    shutil.rmtree(path)


def _stored_datatypes(path: Path) -> dict[str, qe.VectorStorageDatatype | None]:
    """The element type of each dense space of the shard at ``path`` (None: float32, which the
    engine writes no type for), as its configuration file records them; empty without a shard, or
    where the file cannot be read (opening the shard then says why)."""
    try:
        config = json.loads((path / "edge_config.json").read_text())
    except (OSError, ValueError):
        return {}
    return {
        name: qe.VectorStorageDatatype.Float16 if params.get("datatype") == "float16" else None
        for name, params in config.get("vectors", {}).items()
    }


def _check_dims(dims: dict[str, int]) -> None:
    if not dims:
        raise ValueError("an index needs at least one embedding space")
    for name, size in dims.items():
        if name in (BM25_EN, BM25_ES) or not name:
            raise ValueError(f"embedding space name {name!r} is reserved or empty")
        if size <= 0:
            raise ValueError(f"embedding space {name!r}: dimension must be positive, got {size}")


def _open_error(path: Path, dims: dict[str, int], exc: Exception) -> str:
    detail = str(exc)
    if "WouldBlock" in detail:
        return f"the index at {path} is open in another process (one process owns an Edge shard)"
    if "incompatible" in detail.lower():
        return (
            f"the index at {path} was built for other embedding spaces than {dims}; "
            f"rebuild it with `mediasift reindex --wipe` ({detail})"
        )
    return f"cannot open the index at {path}: {detail}"


def _payload_key(point: IndexPoint) -> tuple[Any, ...]:
    """What a point's payload is made of, hashable: points with equal keys get one payload."""
    return (
        point.tenant_id, point.media_id, point.kind, point.collection, point.modality,
        point.language, point.added_at, point.quality, tuple(point.metadata.items()),
        tuple(point.labels), tuple(point.entities), tuple(point.keywords), tuple(point.paths),
    )  # fmt: skip


def _payload(key: tuple[Any, ...]) -> dict[str, Any]:
    tenant_id, media_id, kind, collection, modality, language, added_at, quality, *lists = key
    payload: dict[str, Any] = {
        "tenant_id": tenant_id,
        "media_id": media_id,
        "kind": kind,
        "collection": collection,
        "modality": modality,
    }
    # An empty list or dict is left out: every filter on it (a value among the list's, a
    # metadata key's value) misses an absent field as it misses an empty one, and each field
    # costs the binding's conversion and the engine's payload-index update (2,000 points:
    # 65 against 31 us a point to convert with these five empty).
    metadata, labels, entities, keywords, paths = lists
    if metadata:
        payload["metadata"] = dict(metadata)
    for name, values in (
        ("labels", labels),
        ("entities", entities),
        ("keywords", keywords),
        ("paths", paths),
    ):
        if values:
            payload[name] = list(values)
    if language is not None:
        payload["language"] = language
    if added_at is not None:
        payload[_ADDED_AT] = float(added_at)
    if quality is not None:
        payload[_QUALITY] = float(quality)
    return payload
