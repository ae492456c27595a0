"""MemoryCache, the embedded default, against the shared Cache suite, plus LRU bounds and threads."""

from __future__ import annotations

import threading

import pytest

from mediasift.cache.memory import MemoryCache
from tests.cache.conformance import CacheConformance


class TestMemoryCache(CacheConformance):
    @pytest.fixture
    def cache(self) -> MemoryCache:
        return MemoryCache()

    def test_least_recently_used_entry_is_evicted_first(self) -> None:
        cache = MemoryCache(max_entries=2)
        cache.set("acme", "search", "a", b"a")
        cache.set("acme", "search", "b", b"b")
        cache.get("acme", "search", "a")  # a is now the most recently used
        cache.set("acme", "search", "c", b"c")
        assert len(cache) == 2
        assert cache.get("acme", "search", "b") is None
        assert cache.get("acme", "search", "a") == b"a"

    def test_each_namespace_is_bounded_apart(self) -> None:
        cache = MemoryCache(max_entries=2)
        cache.set("acme", "search", "q", b"hits")
        for i in range(5):  # a long document's passages
            cache.set("acme", "passage-embedding", f"p{i}", b"vector")
        assert cache.get("acme", "search", "q") == b"hits"
        assert len(cache) == 3

    def test_concurrent_threads_keep_counts_and_bounds(self) -> None:
        cache = MemoryCache(max_entries=50)

        def work(n: int) -> None:
            for i in range(500):
                key = f"{n}:{i % 80}"
                if cache.get("acme", "search", key) is None:
                    cache.set("acme", "search", key, key.encode())

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert cache.hits + cache.misses == 4 * 500
        assert len(cache) == 50
        assert cache.stats()["entries"] == 50
