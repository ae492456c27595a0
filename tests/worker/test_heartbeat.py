"""A job's heartbeat: a lease it finds given back after its attempt ended is no other worker's."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

import pytest

from mediasift.jobs import lifecycle
from mediasift.queue.base import Lease


class _EndingQueue:
    """A queue whose extend returns once the attempt has ended and given its lease back (a beat
    that waited on a write-locked catalog while the attempt failed and was retried)."""

    def __init__(self, done: threading.Event, answer: bool | Exception) -> None:
        self.done, self.answer = done, answer

    def extend(self, lease: Lease, visibility_s: float) -> bool:
        self.done.set()  # the attempt ended meanwhile
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("answer", [False, RuntimeError("database is locked")], ids=["lost", "error"])
def test_a_beat_that_outlived_its_attempt_says_nothing(caplog: pytest.LogCaptureFixture, answer) -> None:
    done = threading.Event()
    rt = SimpleNamespace(
        settings=SimpleNamespace(heartbeat_s=0.001, visibility_timeout_s=60), queue=_EndingQueue(done, answer)
    )
    lease = Lease(job_id="01JOB", receipt="token", attempts=1)
    waited = threading.Event()
    done_wait = done.wait

    def wait_once(timeout: float | None = None) -> bool:  # the first wait times out: one beat
        if not waited.is_set():
            waited.set()
            return False
        return done_wait(timeout)

    done.wait = wait_once  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="mediasift.jobs"):
        lifecycle._beat(rt, lease, done)  # type: ignore[arg-type]
    # it had logged "lease lost to another worker" with one process and one worker
    assert not [r for r in caplog.records if r.name == "mediasift.jobs"]
