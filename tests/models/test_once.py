"""A value built at its first use, once, however many threads ask at the same time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mediasift.models.once import built_once


def test_threads_asking_together_get_one_build() -> None:
    builds: list[int] = []

    def build() -> object:
        builds.append(threading.get_ident())
        time.sleep(0.05)  # long enough for every other thread to arrive meanwhile
        return object()

    get = built_once(build)
    with ThreadPoolExecutor(8) as pool:
        values = list(pool.map(lambda _: get(), range(8)))
    assert len(builds) == 1 and all(v is values[0] for v in values)


def test_a_build_that_fails_is_tried_again_and_the_given_lock_is_used() -> None:
    lock, attempts = threading.RLock(), []

    def build() -> str:
        """The docstring travels."""
        assert lock._is_owned()  # type: ignore[attr-defined]
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("not yet")
        return "built"

    get = built_once(build, lock)
    with pytest.raises(OSError):
        get()
    assert get() == "built" and get() == "built" and len(attempts) == 2
    assert get.__doc__ == "The docstring travels." and get.__name__ == "build"
