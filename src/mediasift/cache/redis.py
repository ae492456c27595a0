"""Redis cache shared by every API replica and worker.

Keys: ``ms:{tenant}:{namespace}:{sha256(key)[:32]}`` holding ``{generation}:{value}``, and one
``ms:{tenant}:{namespace}:gen`` counter per scope. ``invalidate`` is one ``INCR`` of that counter,
not a SCAN+DEL over a tenant's keys: older entries stop matching at once and expire on their TTL.
Every data key has a TTL and the counters have none, so configure Redis with a ``volatile-*``
``maxmemory-policy`` (e.g. ``volatile-lru``): eviction then never drops a counter, which would let
entries from before an invalidation match again. ``get_many``/``set_many`` pipeline their keys: a
document's passage embeddings are one round trip, not one per chunk.

A cache must not take search down with it: when Redis is unreachable ``get`` is a miss and ``set``
does nothing (both logged and counted in ``errors``). Nor must it undo work already done: an
``invalidate`` that cannot reach Redis (a media deleted, a job's results committed) is logged,
kept, and sent again before this process's next cache call, which misses the scope meanwhile; it
had raised ``BackendUnavailable``, so a delete that had happened answered 503 and a worker ran a
finished job again until it was dead. Other processes may serve what they cached before for at
most the entry's TTL (the search cache's 60 s), the bound they already live by.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from mediasift.cache.base import GenerationalCache, HitCounter, check_scope, check_ttl, key_digest
from mediasift.errors import BackendUnavailable

log = logging.getLogger(__name__)


def _redis() -> Any:
    try:
        import redis
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise BackendUnavailable("the Redis cache needs redis-py: pip install 'mediasift[redis]'") from e
    return redis


class RedisCache(GenerationalCache):
    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        default_ttl_s: float = 3600.0,
        prefix: str = "ms",
        timeout_s: float = 0.5,
        client: Any | None = None,
    ) -> None:
        """``timeout_s`` bounds each Redis call: a slow cache is worse than none."""
        redis = _redis()
        self.default_ttl_s = check_ttl(default_ttl_s)
        self.prefix = prefix
        self.client = client or redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, health_check_interval=30
        )
        self._down = (redis.ConnectionError, redis.TimeoutError)
        self._counter = HitCounter()
        # Invalidations Redis has not had yet, by scope: counted, so that one asked while another
        # of the same scope is being sent is sent too (the change it follows may be later).
        self._pending: dict[tuple[str, str], int] = {}
        self._pending_lock = threading.Lock()

    @property
    def errors(self) -> int:
        return self._counter.errors

    def stats(self) -> dict[str, int]:
        return self._counter.stats()

    def _keys(self, tenant_id: str, namespace: str, keys: Sequence[str]) -> tuple[str, list[str]]:
        """The scope's generation counter and the data key of each caller key."""
        check_scope(tenant_id, namespace)
        scope = f"{self.prefix}:{tenant_id}:{namespace}"
        return f"{scope}:gen", [f"{scope}:{key_digest(key)}" for key in keys]

    def _lookup(self, tenant_id: str, namespace: str, key: str) -> tuple[bytes | None, int | None]:
        """The live value (or None) and the scope's generation (None when Redis is down)."""
        values, generation = self._read(tenant_id, namespace, [key])
        return values[0], generation

    def _lookup_many(self, tenant_id: str, namespace: str, keys: Sequence[str]) -> list[bytes | None]:
        return self._read(tenant_id, namespace, keys)[0]

    def _read(
        self, tenant_id: str, namespace: str, keys: Sequence[str]
    ) -> tuple[list[bytes | None], int | None]:
        """The scope's counter and every key's entry in one round trip."""
        gen_key, data_keys = self._keys(tenant_id, namespace, keys)
        if self._pending and not self._send_pending((tenant_id, namespace)):
            for _ in keys:  # what Redis holds of the scope predates a change it has not heard of
                self._counter.record(False)
            return [None] * len(keys), None
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.get(gen_key)
            for data_key in data_keys:
                pipe.get(data_key)
            raw_generation, *stored = pipe.execute()
        except self._down as e:
            self._unavailable("get", e)
            for _ in keys:
                self._counter.record(False)
            return [None] * len(keys), None
        generation = int(raw_generation or 0)
        values: list[bytes | None] = []
        for entry in stored:
            value = None
            if entry is not None:
                stamp, _, payload = entry.partition(b":")
                if int(stamp) == generation:
                    value = payload
            self._counter.record(value is not None)
            values.append(value)
        return values, generation

    def _store(
        self,
        tenant_id: str,
        namespace: str,
        key: str,
        value: bytes,
        ttl_s: float | None,
        generation: int | None,
    ) -> None:
        self._write(tenant_id, namespace, [(key, value)], ttl_s, generation)

    def _store_many(
        self, tenant_id: str, namespace: str, items: Sequence[tuple[str, bytes]], ttl_s: float | None
    ) -> None:
        self._write(tenant_id, namespace, items, ttl_s, None)

    def _write(
        self,
        tenant_id: str,
        namespace: str,
        items: Sequence[tuple[str, bytes]],
        ttl_s: float | None,
        generation: int | None,
    ) -> None:
        gen_key, data_keys = self._keys(tenant_id, namespace, [key for key, _ in items])
        ttl_ms = max(1, round(check_ttl(self.default_ttl_s if ttl_s is None else ttl_s) * 1000))
        try:
            if generation is None:
                generation = int(self.client.get(gen_key) or 0)
            pipe = self.client.pipeline(transaction=False)
            for data_key, (_, value) in zip(data_keys, items, strict=True):
                pipe.set(data_key, b"%d:%b" % (generation, value), px=ttl_ms)
            pipe.execute()
        except self._down as e:
            self._unavailable("set", e)

    def _unavailable(self, action: str, e: Exception) -> None:
        self._counter.record_error()
        log.warning("redis cache %s failed, treated as a miss: %s", action, e)

    def invalidate(self, tenant_id: str, namespace: str) -> None:
        self._keys(tenant_id, namespace, [])  # checks the scope
        with self._pending_lock:
            self._pending[(tenant_id, namespace)] = self._pending.get((tenant_id, namespace), 0) + 1
        self._send_pending()

    def _send_pending(self, scope: tuple[str, str] | None = None) -> bool:
        """Send the invalidations Redis has not had; whether ``scope`` (if given) is sent now."""
        with self._pending_lock:
            pending = sorted(self._pending.items())
        for (tenant_id, namespace), asked in pending:
            gen_key, _ = self._keys(tenant_id, namespace, [])
            try:
                self.client.incr(gen_key)
            except self._down as e:
                self._counter.record_error()
                log.warning(
                    "redis cache invalidation of tenant %s (%s) failed, sent again at the next cache "
                    "call: %s",
                    tenant_id, namespace, e,
                )  # fmt: skip
                break
            with self._pending_lock:  # those asked meanwhile stay, for the next call
                left = self._pending.get((tenant_id, namespace), 0) - asked
                if left > 0:
                    self._pending[(tenant_id, namespace)] = left
                else:
                    self._pending.pop((tenant_id, namespace), None)
        return scope is None or scope not in self._pending

    def ping(self) -> None:
        try:
            self.client.ping()
        except self._down as e:
            raise BackendUnavailable(f"redis cache does not answer: {e}") from e

    def close(self) -> None:
        self.client.close()
