"""A job's stage and progress reach the catalog at most every ``PROGRESS_INTERVAL_S``: a stage that
lasts shows at most that late, a run of short stages costs one write, and a cancellation is still
learnt at the job's next report."""

from __future__ import annotations

import io
import threading
import time

import pytest

from mediasift.catalog import jobs as job_rows
from mediasift.errors import Cancelled
from mediasift.jobs import lifecycle
from mediasift.runtime import Runtime
from mediasift.services.ingest import ingest_stream
from mediasift.worker.loop import PROGRESS_INTERVAL_S, _ProgressRecorder


def _queued_job(rt: Runtime) -> str:
    return ingest_stream(rt, "default", io.BytesIO(b"Greenhouse vents open at noon."), "notes.txt").job.id  # type: ignore[union-attr]


def _stage(rt: Runtime, job_id: str) -> tuple[str | None, float | None]:
    with rt.catalog.session() as s:
        job = job_rows.get_job(s, job_id)
        return job.stage, job.progress


def test_stages_reported_within_the_interval_are_written_once_when_it_is_over(runtime) -> None:
    job_id = _queued_job(runtime)
    progress = _ProgressRecorder(runtime, job_id, threading.Event())
    progress("probe", 0.0)  # the first report is written at once
    for stage in ("extract", "decode", "ocr"):
        progress(stage, 0.5)
    assert _stage(runtime, job_id) == ("probe", 0.0)
    # The job stays in "ocr" and reports nothing more: the timer writes it once the interval is
    # over (waited for with room to spare: a loaded CI machine may run the timer late).
    deadline = time.monotonic() + PROGRESS_INTERVAL_S + 10
    while _stage(runtime, job_id) != ("ocr", 0.5) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _stage(runtime, job_id) == ("ocr", 0.5)
    time.sleep(PROGRESS_INTERVAL_S)
    progress("embed", 0.0)  # an interval after the last write: written at once
    assert _stage(runtime, job_id) == ("embed", 0.0)
    progress.close()


def test_what_is_held_when_the_attempt_ends_is_never_written(runtime) -> None:
    job_id = _queued_job(runtime)
    progress = _ProgressRecorder(runtime, job_id, threading.Event())
    progress("probe", 0.0)
    progress("done", 1.0)
    progress.close()
    time.sleep(PROGRESS_INTERVAL_S + 0.3)
    assert _stage(runtime, job_id) == ("probe", 0.0)


def test_a_cancellation_found_by_a_held_write_stops_the_job_at_its_next_report(runtime) -> None:
    job_id = _queued_job(runtime)
    progress = _ProgressRecorder(runtime, job_id, threading.Event())
    progress("probe", 0.0)
    progress("extract", 0.0)
    lifecycle.cancel(runtime, job_id, None)
    time.sleep(PROGRESS_INTERVAL_S + 0.3)
    with pytest.raises(Cancelled):
        progress("extract", 0.5)
    progress.close()
