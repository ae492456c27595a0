"""A backend's check with a deadline: ``/health``, ``/ready``, ``/metrics`` and ``mediasift doctor``
ask the catalog, index, queue and cache whether they answer, and a backend that stops answering
(a frozen endpoint) must not hold them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from mediasift.errors import BackendUnavailable

# How long a probe waits for a backend: a store or queue that stops answering (a frozen endpoint)
# held /health and /ready for minutes (boto's timeouts and retries), where a load balancer needs
# a 503 within its own check's time.
PROBE_TIMEOUT_S = 5.0
_probing: dict[tuple[str, int], Future[Any]] = {}
_probing_lock = threading.Lock()


def probe(name: str, backend: object, check: Callable[[], Any], timeout_s: float | None = None) -> Any:
    """``check()``'s answer, or what it raised; ``BackendUnavailable`` when it has not answered
    within ``timeout_s`` (``PROBE_TIMEOUT_S``). It runs on a thread of its own, and a check still
    waiting from an earlier probe of the same backend is waited on rather than started again, so
    a backend that hangs holds one thread, not one a probe."""
    timeout_s = PROBE_TIMEOUT_S if timeout_s is None else timeout_s
    key = (name, id(backend))
    with _probing_lock:
        future = _probing.get(key)
        if future is None or future.done():
            future = Future()
            _probing[key] = future
            threading.Thread(target=_run, args=(future, check), name=f"probe-{name}", daemon=True).start()
    try:
        return future.result(timeout_s)
    except FutureTimeout:
        raise BackendUnavailable(f"{name} did not answer within {timeout_s:g} s") from None


def _run(future: Future[Any], check: Callable[[], Any]) -> None:
    try:
        future.set_result(check())
    except BaseException as exc:  # the caller's to raise
        future.set_exception(exc)
