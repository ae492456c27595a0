"""Worker threads run at a lower CPU priority than the API's threads, and what they start inherits it."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from mediasift.models.registry import ModelRegistry
from mediasift.ops.thread_priority import current_thread_niceness, lower_current_thread_priority
from mediasift.runtime import open_runtime
from mediasift.worker.loop import start_worker_threads
from tests.conftest import test_settings

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")


def _niceness_of(native_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, native_id)


def test_worker_threads_are_niced_and_the_api_thread_is_not(tmp_path, models: ModelRegistry):
    rt = open_runtime(test_settings(tmp_path / "home", worker_niceness=7))
    rt.models = models
    base = current_thread_niceness()
    workers = start_worker_threads(rt, 2)
    try:
        deadline = time.monotonic() + 10
        while any(_niceness_of(w.thread.native_id) != min(19, base + 7) for w in workers):
            assert time.monotonic() < deadline, [_niceness_of(w.thread.native_id) for w in workers]
            time.sleep(0.01)
        assert current_thread_niceness() == base
    finally:
        for w in workers:
            w.stop()
        for w in workers:
            w.thread.join(timeout=10)
        rt.close()


def test_threads_started_by_a_lowered_thread_inherit_its_priority():
    seen: dict[str, int] = {}

    def child() -> None:
        seen["child"] = current_thread_niceness()

    def lowered() -> None:
        seen["before"] = current_thread_niceness()
        seen["lowered"] = lower_current_thread_priority(5)
        seen["after"] = current_thread_niceness()
        started = threading.Thread(target=child)
        started.start()
        started.join()

    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join()
    assert seen["lowered"] is True
    assert seen["after"] == seen["child"] == min(19, seen["before"] + 5)


def test_zero_niceness_changes_nothing():
    before = current_thread_niceness()
    assert lower_current_thread_priority(0) is False
    assert current_thread_niceness() == before
