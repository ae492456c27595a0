"""Request-rate limits: one token bucket per API key (per client address in open mode).

A bucket holds up to ``burst`` tokens and refills at ``rate_per_s``; a request takes one token or
is refused with ``RateLimited`` carrying how long until the next token. Buckets live in this
process: with N API processes a key gets up to N times the rate, which is the usual trade for
not putting a shared store on every request (the per-process limit still stops a runaway client).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from mediasift.errors import RateLimited


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Thread-safe token buckets by key; least recently used buckets are forgotten past max_keys."""

    def __init__(self, rate_per_s: float, burst: int, max_keys: int = 100_000) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be positive and burst at least 1")
        self.rate_per_s, self.burst, self.max_keys = rate_per_s, float(burst), max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> None:
        """Spend one token of ``key``'s bucket, or raise ``RateLimited`` (with ``retry_after_s``)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate_per_s)
            bucket.updated = now
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            if bucket.tokens < 1.0:
                error = RateLimited(f"rate limit of {self.rate_per_s:g} requests/s exceeded; slow down")
                error.retry_after_s = (1.0 - bucket.tokens) / self.rate_per_s  # type: ignore[attr-defined]
                raise error
            bucket.tokens -= 1.0
