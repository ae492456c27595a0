"""Model runs side by side, their results in order.

On the 2-vCPU hosts measured, two runs of a model on one thread each finish sooner than the same
runs one after the other on two threads (CTranslate2's Whisper, ONNX Runtime's text encoder:
docs/benchmarks.md): a thread team waits for its slowest member at every step of the model, and
each run's activations stay in one core's caches. ``in_order`` is how a caller hands out such runs.
"""

from __future__ import annotations

import contextvars
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_order(
    items: Iterator[T], work: Callable[[T], R], workers: int, name: str = "side-by-side"
) -> Iterator[tuple[T, R]]:
    """``(item, work(item))`` for each of ``items``, in their order, with up to ``workers`` calls
    of ``work`` running at once on threads of their own (named ``name``); ``items`` is read ahead
    only as far as one more than those (a long file's runs are never all in memory). Closing the
    iterator early lets the calls already running end, and starts no other."""
    if workers <= 1:
        for item in items:
            yield item, work(item)
        return
    pending: deque[tuple[T, Future[R]]] = deque()
    pool = ThreadPoolExecutor(workers, thread_name_prefix=name)
    try:
        for item in items:
            # in the caller's context: its log lines carry the job's ids (faster-whisper's had none)
            pending.append((item, pool.submit(contextvars.copy_context().run, work, item)))
            if len(pending) > workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
