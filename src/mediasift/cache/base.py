"""The ``Cache`` interface: bytes by (tenant, namespace, key), invalidated per tenant and namespace.

Callers encode their own values (a float32 query embedding, a JSON list of hits): the cache has no
opinion on serialization and returns exactly the bytes it was given.

Namespaces separate kinds of entries so they can be invalidated apart: ``search`` results go stale
when a tenant's media change (``invalidate(tenant, "search")``); query and passage embeddings
(``embed/cached.py``) are a function of text and model only, so nothing ever invalidates them.

Invalidation is by generation: every entry is stamped with its (tenant, namespace)'s generation
when written, ``invalidate`` bumps the generation, and an entry from an older generation is a miss.
``get_or_set`` stamps the value with the generation read *before* computing it, so a result
computed while the tenant's media changed is never served afterwards.

Implementations: ``memory.py`` (in-process LRU, the embedded default), ``redis.py``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Protocol


class Cache(Protocol):
    def get(self, tenant_id: str, namespace: str, key: str) -> bytes | None:
        """The cached bytes, or None on a miss (absent, expired or invalidated)."""

    def set(self, tenant_id: str, namespace: str, key: str, value: bytes, ttl_s: float | None = None) -> None:
        """Store value for ttl_s seconds (the cache's default when None)."""

    def get_or_set(
        self,
        tenant_id: str,
        namespace: str,
        key: str,
        compute: Callable[[], bytes],
        ttl_s: float | None = None,
    ) -> bytes:
        """The cached bytes, or compute(), stored and returned; safe against a concurrent invalidate."""

    def get_many(self, tenant_id: str, namespace: str, keys: Sequence[str]) -> list[bytes | None]:
        """``get`` of each key, in order, in one round trip where the backend allows."""

    def set_many(
        self, tenant_id: str, namespace: str, items: Sequence[tuple[str, bytes]], ttl_s: float | None = None
    ) -> None:
        """``set`` of each (key, value), in one round trip where the backend allows."""

    def invalidate(self, tenant_id: str, namespace: str) -> None:
        """Every entry of this tenant and namespace becomes a miss, at once, in O(1)."""

    def ping(self) -> None:
        """Raise ``BackendUnavailable`` when the cache's server does not answer (``get`` cannot tell)."""

    @property
    def hits(self) -> int: ...

    @property
    def misses(self) -> int: ...


def key_digest(key: str) -> str:
    """A fixed-length name for an arbitrary caller key (query text, filters, model id...)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def check_scope(tenant_id: str, namespace: str) -> None:
    # ':' separates the parts of a cache key; allowing it would let "a:b"/"c" collide with "a"/"b:c".
    for part in (tenant_id, namespace):
        if not part or ":" in part:
            raise ValueError(f"cache tenant and namespace must be non-empty without ':', got {part!r}")


def check_ttl(ttl_s: float) -> float:
    if ttl_s <= 0:
        raise ValueError(f"cache ttl must be positive seconds, got {ttl_s}")
    return ttl_s


class HitCounter:
    """Thread-safe hit, miss and backend-error counts of one cache instance (this process only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.errors = 0

    def record_error(self) -> None:
        with self._lock:
            self.errors += 1

    def record(self, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "errors": self.errors}


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: bytes | None = None


# Keyed by the cache instance, the scope, the key and the generation (see get_or_set); tiny and
# short-lived: an entry lives while its one computation runs.
_flights: dict[tuple[int, str, str, str, int], _Flight] = {}
_flights_lock = threading.Lock()


class GenerationalCache:
    """What both implementations share: the public calls over ``_lookup`` and ``_store``.

    ``_lookup`` returns the live value (or None) and the scope's generation, or None for the
    generation when the backend could not say (then nothing is stored: the stamp would be a guess).
    ``_store`` with ``generation=None`` stamps the scope's current generation. ``_lookup_many`` and
    ``_store_many`` default to one call per key; a networked backend batches them."""

    _counter: HitCounter

    def _lookup(self, tenant_id: str, namespace: str, key: str) -> tuple[bytes | None, int | None]:
        raise NotImplementedError

    def _store(
        self,
        tenant_id: str,
        namespace: str,
        key: str,
        value: bytes,
        ttl_s: float | None,
        generation: int | None,
    ) -> None:
        raise NotImplementedError

    def _lookup_many(self, tenant_id: str, namespace: str, keys: Sequence[str]) -> list[bytes | None]:
        return [self._lookup(tenant_id, namespace, key)[0] for key in keys]

    def _store_many(
        self, tenant_id: str, namespace: str, items: Sequence[tuple[str, bytes]], ttl_s: float | None
    ) -> None:
        for key, value in items:
            self._store(tenant_id, namespace, key, value, ttl_s, None)

    def ping(self) -> None:
        """An in-process cache has no server to reach; a networked one overrides this."""

    @property
    def hits(self) -> int:
        return self._counter.hits

    @property
    def misses(self) -> int:
        return self._counter.misses

    def get(self, tenant_id: str, namespace: str, key: str) -> bytes | None:
        return self._lookup(tenant_id, namespace, key)[0]

    def set(self, tenant_id: str, namespace: str, key: str, value: bytes, ttl_s: float | None = None) -> None:
        self._store(tenant_id, namespace, key, value, ttl_s, None)

    def get_many(self, tenant_id: str, namespace: str, keys: Sequence[str]) -> list[bytes | None]:
        return self._lookup_many(tenant_id, namespace, keys) if keys else []

    def set_many(
        self, tenant_id: str, namespace: str, items: Sequence[tuple[str, bytes]], ttl_s: float | None = None
    ) -> None:
        if items:
            self._store_many(tenant_id, namespace, items, ttl_s)

    def get_or_set(
        self,
        tenant_id: str,
        namespace: str,
        key: str,
        compute: Callable[[], bytes],
        ttl_s: float | None = None,
    ) -> bytes:
        value, generation = self._lookup(tenant_id, namespace, key)
        if value is not None:
            return value
        if generation is None:  # the backend could not say: compute alone, store nothing
            return compute()
        # One computation per key and generation in this process: when an ingest invalidates a
        # tenant's searches, the clients repeating a query wait for the first one's answer
        # instead of each computing the same hits (the answer stands for all: same generation).
        slot = (id(self), tenant_id, namespace, key_digest(key), generation)
        with _flights_lock:
            flight = _flights.get(slot)
            leading = flight is None
            if flight is None:
                flight = _flights[slot] = _Flight()
        if not leading:
            flight.done.wait()
            if flight.value is not None:
                return flight.value
            return self._compute_and_store(tenant_id, namespace, key, compute, ttl_s, generation)
        try:
            flight.value = self._compute_and_store(tenant_id, namespace, key, compute, ttl_s, generation)
            return flight.value
        finally:
            with _flights_lock:
                _flights.pop(slot, None)
            flight.done.set()  # a failed computation leaves value None: each waiter computes its own

    def _compute_and_store(
        self,
        tenant_id: str,
        namespace: str,
        key: str,
        compute: Callable[[], bytes],
        ttl_s: float | None,
        generation: int,
    ) -> bytes:
        value = compute()
        self._store(tenant_id, namespace, key, value, ttl_s, generation)  # the generation seen *before*
        return value
