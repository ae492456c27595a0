"""In-process LRU cache with TTL: the embedded default. Thread-safe; bounded by entry count."""

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
        self.max_entries = max_entries
        self.default_ttl_s = check_ttl(default_ttl_s)
        self._entries: OrderedDict[tuple[str, str, str], _Entry] = OrderedDict()
        self._generations: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._counter = HitCounter()

    def stats(self) -> dict[str, int]:
        with self._lock:
            size = len(self._entries)
        return {**self._counter.stats(), "entries": size}

    def __len__(self) -> int:
        return len(self._entries)

    def _lookup(self, tenant_id: str, namespace: str, key: str) -> tuple[bytes | None, int]:
        """The live value (or None) and the scope's current generation, under one lock."""
        check_scope(tenant_id, namespace)
        slot = (tenant_id, namespace, key_digest(key))
        with self._lock:
            generation = self._generations.get((tenant_id, namespace), 0)
            entry = self._entries.get(slot)
            if entry is None:
                value = None
            elif entry.generation != generation or entry.expires_at <= time.monotonic():
                del self._entries[slot]
                value = None
            else:
                self._entries.move_to_end(slot)
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
        slot = (tenant_id, namespace, key_digest(key))
        with self._lock:
            if generation is None:
                generation = self._generations.get((tenant_id, namespace), 0)
            self._entries[slot] = _Entry(generation, time.monotonic() + ttl, bytes(value))
            self._entries.move_to_end(slot)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def invalidate(self, tenant_id: str, namespace: str) -> None:
        check_scope(tenant_id, namespace)
        with self._lock:
            scope = (tenant_id, namespace)
            self._generations[scope] = self._generations.get(scope, 0) + 1
