"""A value built at its first use, once per process, whichever threads ask for it first."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TypeVar

T = TypeVar("T")


def built_once(build: Callable[[], T], lock: AbstractContextManager[object] | None = None) -> Callable[[], T]:
    """``build``, called at the first call of the returned function by one thread while the others
    wait (under ``lock``, else a lock of its own), its result returned ever after. A build that
    raises is tried again at the next call."""
    built: list[T] = []
    guard = lock if lock is not None else threading.Lock()

    @functools.wraps(build)
    def get() -> T:
        if not built:  # the lock is taken only until the value exists
            with guard:
                if not built:
                    built.append(build())
        return built[0]

    return get
