"""Text embeddings through the runtime cache, one tenant at a time.

A vector is remembered under (tenant, namespace, ``{model id}:{sha256(text)}``): queries in
``query-embedding``, passages in ``passage-embedding`` (e5 embeds ``query: x`` and ``passage: x``
differently), and enrichment's batched queries in ``query-batch-embedding`` (``CachedQueryBatches``:
a sentence or phrase that recurs across a tenant's media is embedded once), apart from search's
queries, which are embedded alone (a batch's vectors differ from those by arithmetic). With
``MEDIASIFT_CACHE=redis`` every API replica and worker shares them: a query one
replica embedded costs the next a Redis round trip (~0.2 ms) instead of ~8 ms of model time, and a
reprocessed media, or a document repeating another's chunks, embeds only the text it has not seen.

Per tenant although a vector depends only on its text: tenants are walls (DESIGN.md), and a shared
entry would tell one tenant, by timing, whether another has ever embedded a given sentence.

Never invalidated: a tenant's media changing makes no vector wrong, so ``Runtime.invalidate_tenant``
bumps only the ``search`` namespace's generation and leaves these alone; a new model is a new
model id, hence new keys. Entries carry a TTL, so Redis under ``volatile-lru`` may evict them.
Values are the raw little-endian float32 bytes (1.5 KiB for 384 dimensions), not JSON.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from mediasift import meters
from mediasift.embed.text.base import TextEmbedder

if TYPE_CHECKING:
    from mediasift.cache.base import Cache

QUERY_EMBEDDINGS = "query-embedding"
PASSAGE_EMBEDDINGS = "passage-embedding"
QUERY_BATCH_EMBEDDINGS = "query-batch-embedding"
# Covers a reprocess, a reindex or a revised upload within the week; under memory pressure Redis
# evicts the least recently used first, so this is a ceiling, not the budget.
EMBEDDING_TTL_S = 7 * 86_400.0
_FLOAT32 = np.dtype("<f4")


class CachedTextEmbedder:
    """A ``TextEmbedder`` for one tenant: cached vectors are returned as they were computed, and
    only the misses reach the model (passages in one batch per call)."""

    def __init__(self, embedder: TextEmbedder, cache: Cache, tenant_id: str) -> None:
        self.id, self.dim = embedder.id, embedder.dim
        self._embedder, self._cache, self._tenant_id = embedder, cache, tenant_id

    def embed_query(self, text: str) -> np.ndarray:
        stored = self._cache.get_or_set(
            self._tenant_id,
            QUERY_EMBEDDINGS,
            self._key(text),
            lambda: _encode(self._embedder.embed_query(text)),
            ttl_s=EMBEDDING_TTL_S,
        )
        return _decode(stored)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _through_cache(
            self._cache,
            self._tenant_id,
            PASSAGE_EMBEDDINGS,
            self.id,
            texts,
            self._embedder.embed_passages,
            metered=True,
        )

    def _key(self, text: str) -> str:
        return _key(self.id, text)


class QueryBatchEmbedder(Protocol):
    id: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised: each text with E5's ``query:`` prefix, batched."""


class CachedQueryBatches:
    """``embed_queries`` of ``embedder`` for one tenant (enrichment's sentences and phrases):
    cached vectors are returned as they were computed, and only the misses reach the model."""

    def __init__(self, embedder: QueryBatchEmbedder, cache: Cache, tenant_id: str) -> None:
        self.id, self.dim = embedder.id, embedder.dim
        self.cache, self._embedder, self._tenant_id = cache, embedder, tenant_id

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _through_cache(
            self.cache, self._tenant_id, QUERY_BATCH_EMBEDDINGS, self.id, texts, self._embedder.embed_queries
        )


def _through_cache(
    cache: Cache,
    tenant_id: str,
    namespace: str,
    model_id: str,
    texts: Sequence[str],
    embed: Callable[[Sequence[str]], np.ndarray],
    *,
    metered: bool = False,
) -> np.ndarray:
    """The vectors of ``texts``: cached ones from ``namespace``, the distinct rest from ``embed``
    in one call (then cached). ``metered``: counted in ``mediasift_embeddings_total`` (passages)."""
    keys = [_key(model_id, t) for t in texts]
    distinct = list(dict.fromkeys(keys))
    stored = cache.get_many(tenant_id, namespace, distinct)
    vectors = {k: _decode(v) for k, v in zip(distinct, stored, strict=True) if v is not None}
    missing = [k for k in distinct if k not in vectors]
    if missing:
        text_of = dict(zip(keys, texts, strict=True))
        started = time.perf_counter()
        fresh = embed([text_of[k] for k in missing])
        if metered:
            meters.observe_embeddings(len(missing), time.perf_counter() - started)
        cache.set_many(
            tenant_id,
            namespace,
            [(k, _encode(v)) for k, v in zip(missing, fresh, strict=True)],
            ttl_s=EMBEDDING_TTL_S,
        )
        vectors.update(zip(missing, fresh, strict=True))
    return np.vstack([vectors[k] for k in keys])


def _key(model_id: str, text: str) -> str:
    return f"{model_id}:{hashlib.sha256(text.encode()).hexdigest()}"


def _encode(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=_FLOAT32).tobytes()


def _decode(stored: bytes) -> np.ndarray:
    return np.frombuffer(stored, dtype=_FLOAT32)
