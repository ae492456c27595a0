"""The behaviour every ``Cache`` shares, as one suite each backend's tests inherit.

Usage::

    class TestMyCache(CacheConformance):
        @pytest.fixture
        def cache(self) -> Cache:
            return MyCache(...)  # empty, private to the test
"""

from __future__ import annotations

import threading
import time

import pytest

from mediasift.cache.base import Cache


class CacheConformance:
    @pytest.fixture
    def cache(self) -> Cache:
        raise NotImplementedError("a backend's test class provides the cache fixture")

    def test_ping_answers_while_the_cache_is_up(self, cache: Cache) -> None:
        assert cache.ping() is None

    def test_miss_then_hit_after_set(self, cache: Cache) -> None:
        assert cache.get("acme", "search", "q=cats") is None
        cache.set("acme", "search", "q=cats", b"[1, 2]")
        assert cache.get("acme", "search", "q=cats") == b"[1, 2]"
        assert (cache.hits, cache.misses) == (1, 1)

    def test_values_are_returned_byte_for_byte(self, cache: Cache) -> None:
        value = bytes(range(256)) * 10 + b":0:1:"  # binary, with the separator inside
        cache.set("acme", "embedding", "k", value)
        assert cache.get("acme", "embedding", "k") == value

    def test_keys_of_any_length_and_text(self, cache: Cache) -> None:
        key = "¿gatos? " * 1000
        cache.set("acme", "search", key, b"x")
        assert cache.get("acme", "search", key) == b"x"
        assert cache.get("acme", "search", key + " ") is None

    def test_set_replaces_the_value(self, cache: Cache) -> None:
        cache.set("acme", "search", "k", b"old")
        cache.set("acme", "search", "k", b"new")
        assert cache.get("acme", "search", "k") == b"new"

    def test_tenants_never_see_each_others_entries(self, cache: Cache) -> None:
        cache.set("acme", "search", "k", b"acme's")
        assert cache.get("globex", "search", "k") is None

    def test_namespaces_are_separate(self, cache: Cache) -> None:
        cache.set("acme", "search", "k", b"hits")
        assert cache.get("acme", "embedding", "k") is None

    def test_entries_expire_after_their_ttl(self, cache: Cache) -> None:
        cache.set("acme", "search", "short", b"x", ttl_s=0.2)
        cache.set("acme", "search", "long", b"y", ttl_s=60)
        assert cache.get("acme", "search", "short") == b"x"
        time.sleep(0.3)
        assert cache.get("acme", "search", "short") is None
        assert cache.get("acme", "search", "long") == b"y"

    def test_invalidate_drops_one_tenants_namespace_only(self, cache: Cache) -> None:
        cache.set("acme", "search", "k", b"1")
        cache.set("acme", "embedding", "k", b"2")
        cache.set("globex", "search", "k", b"3")
        cache.invalidate("acme", "search")
        assert cache.get("acme", "search", "k") is None
        assert cache.get("acme", "embedding", "k") == b"2"
        assert cache.get("globex", "search", "k") == b"3"

    def test_entries_written_after_an_invalidation_are_served(self, cache: Cache) -> None:
        cache.set("acme", "search", "k", b"old")
        cache.invalidate("acme", "search")
        cache.invalidate("acme", "search")
        cache.set("acme", "search", "k", b"new")
        assert cache.get("acme", "search", "k") == b"new"

    def test_get_or_set_computes_once(self, cache: Cache) -> None:
        calls: list[int] = []

        def compute() -> bytes:
            calls.append(1)
            return b"result"

        assert cache.get_or_set("acme", "search", "k", compute) == b"result"
        assert cache.get_or_set("acme", "search", "k", compute) == b"result"
        assert len(calls) == 1
        assert (cache.hits, cache.misses) == (1, 1)

    def test_concurrent_misses_of_one_key_compute_it_once(self, cache: Cache) -> None:
        started, release, calls = threading.Event(), threading.Event(), []

        def slow() -> bytes:
            calls.append(1)
            started.set()
            release.wait(10)
            return b"hits"

        results: list[bytes] = []
        threads = [
            threading.Thread(target=lambda: results.append(cache.get_or_set("acme", "search", "q", slow)))
            for _ in range(4)
        ]
        threads[0].start()
        assert started.wait(10)
        for thread in threads[1:]:
            thread.start()
        time.sleep(0.2)  # the others are waiting on the first computation by now
        release.set()
        for thread in threads:
            thread.join(10)
        assert results == [b"hits"] * 4 and len(calls) == 1

    def test_a_failed_computation_leaves_each_waiter_to_compute_its_own(self, cache: Cache) -> None:
        started, release = threading.Event(), threading.Event()

        def failing() -> bytes:
            started.set()
            release.wait(10)
            raise RuntimeError("engine down")

        def lead() -> None:
            with pytest.raises(RuntimeError):
                cache.get_or_set("acme", "s", "q", failing)

        leader = threading.Thread(target=lead)
        leader.start()
        assert started.wait(10)
        answers: list[bytes] = []
        waiter = threading.Thread(
            target=lambda: answers.append(cache.get_or_set("acme", "s", "q", lambda: b"ok"))
        )
        waiter.start()
        time.sleep(0.2)
        release.set()
        leader.join(10)
        waiter.join(10)
        assert answers == [b"ok"]

    def test_get_many_answers_each_key_in_order_and_counts_each(self, cache: Cache) -> None:
        cache.set_many("acme", "embedding", [("a", b"1"), ("c", b"3")], ttl_s=60)
        assert cache.get_many("acme", "embedding", ["a", "b", "c", "a"]) == [b"1", None, b"3", b"1"]
        assert (cache.hits, cache.misses) == (3, 1)
        assert cache.get_many("globex", "embedding", ["a"]) == [None]
        assert cache.get_many("acme", "embedding", []) == []

    def test_get_many_misses_entries_from_before_an_invalidation(self, cache: Cache) -> None:
        cache.set_many("acme", "search", [("a", b"old"), ("b", b"old")])
        cache.invalidate("acme", "search")
        cache.set_many("acme", "search", [("b", b"new")])
        assert cache.get_many("acme", "search", ["a", "b"]) == [None, b"new"]

    def test_result_computed_across_an_invalidation_is_not_served_later(self, cache: Cache) -> None:
        def compute_while_media_change() -> bytes:
            cache.invalidate("acme", "search")  # a media finished indexing mid-search
            return b"stale"

        assert cache.get_or_set("acme", "search", "k", compute_while_media_change) == b"stale"
        assert cache.get("acme", "search", "k") is None

    @pytest.mark.parametrize(("tenant", "namespace"), [("a:b", "search"), ("acme", "x:y"), ("", "search")])
    def test_separator_in_tenant_or_namespace_is_rejected(
        self, cache: Cache, tenant: str, namespace: str
    ) -> None:
        with pytest.raises(ValueError):
            cache.set(tenant, namespace, "k", b"x")

    def test_non_positive_ttl_is_rejected(self, cache: Cache) -> None:
        with pytest.raises(ValueError):
            cache.set("acme", "search", "k", b"x", ttl_s=0)
