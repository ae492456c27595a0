"""In-process LRU cache with TTL: the embedded default. Thread-safe; bounded by entry count.

The bound is per namespace, each with its own LRU order: ingesting a long document fills the
passage-embedding namespace with thousands of vectors, which must not evict every cached search.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from mediasift.cache.base import GenerationalCache, HitCounter, check_scope, check_ttl, key_digest


@dataclass(slots=True)
class _Entry:
    generation: int
    expires_at: float  # time.monotonic() seconds
    value: bytes


class MemoryCache(GenerationalCache):
    def __init__(self, max_entries: int = 10_000, default_ttl_s: float = 3600.0) -> None:
        """``max_entries`` bounds each namespace."""
        self.max_entries = max_entries
        self.default_ttl_s = check_ttl(default_ttl_s)
        self._entries: dict[str, OrderedDict[tuple[str, str], _Entry]] = {}
        self._generations: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._counter = HitCounter()

    def stats(self) -> dict[str, int]:
        return {**self._counter.stats(), "entries": len(self)}

    def __len__(self) -> int:
        with self._lock:
            return sum(len(entries) for entries in self._entries.values())

    def _lookup(self, tenant_id: str, namespace: str, key: str) -> tuple[bytes | None, int]:
        """The live value (or None) and the scope's current generation, under one lock."""
        check_scope(tenant_id, namespace)
        slot = (tenant_id, key_digest(key))
        with self._lock:
            generation = self._generations.get((tenant_id, namespace), 0)
            entries = self._entries.get(namespace)
            entry = entries.get(slot) if entries else None
            if entries is None or entry is None:
                value = None
            elif entry.generation != generation or entry.expires_at <= time.monotonic():
                del entries[slot]
                value = None
            else:
                entries.move_to_end(slot)
                value = entry.value
        self._counter.record(value is not None)
        return value, generation

    def _store(
        self,
        tenant_id: str,
        namespace: str,
        key: str,
        value: bytes,
        ttl_s: float | None,
        generation: int | None,
    ) -> None:
        check_scope(tenant_id, namespace)
        ttl = check_ttl(self.default_ttl_s if ttl_s is None else ttl_s)
        slot = (tenant_id, key_digest(key))
        with self._lock:
            if generation is None:
                generation = self._generations.get((tenant_id, namespace), 0)
            entries = self._entries.setdefault(namespace, OrderedDict())
            entries[slot] = _Entry(generation, time.monotonic() + ttl, bytes(value))
            entries.move_to_end(slot)
            while len(entries) > self.max_entries:
                entries.popitem(last=False)

    def invalidate(self, tenant_id: str, namespace: str) -> None:
        check_scope(tenant_id, namespace)
        with self._lock:
            scope = (tenant_id, namespace)
            self._generations[scope] = self._generations.get(scope, 0) + 1
