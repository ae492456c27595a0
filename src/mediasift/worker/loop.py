"""Workers: lease a job → run the pipeline → record how the attempt ended (``jobs/lifecycle.py``).

A worker heartbeats its lease while a stage runs, so a long video is not redelivered under it; a
worker that dies stops heartbeating, its lease expires, and another worker runs the job again
(stages are idempotent, so the media ends with one set of segments). ``stop_workers`` is the
graceful stop (SIGTERM): no new job is taken, running jobs get ``shutdown_grace_s`` to finish, and a
job still running after that has its lease released, so another worker takes it at once instead of
after the lease expires. A released job's worker then writes nothing more about it.

Which outcome makes a job failed (retried), dead or cancelled is the lifecycle's business. On SQS
the redrive policy's ``maxReceiveCount`` must allow one delivery past ``max_attempts``, so that a
job whose last attempt killed its worker is recorded dead (``worker_lost``) by a worker rather
than moved aside by SQS; ``start_worker_threads`` warns when it does not.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, NoReturn

from mediasift.domain import JobType
from mediasift.embed.text.factory import ingest_lane
from mediasift.errors import BackendUnavailable, Cancelled, MediaRejected, MediasiftError, NotFound
from mediasift.jobs import lifecycle
from mediasift.jobs.lifecycle import Attempt
from mediasift.ops.thread_priority import lower_current_thread_priority
from mediasift.ops.tracing import traced_job
from mediasift.queue.base import Lease
from mediasift.services import conversions
from mediasift.services.nutrition import analyse_media as analyse_nutrition
from mediasift.services.relabel import relabel_media
from mediasift.services.retention import start_retention
from mediasift.services.webhooks import start_dispatcher
from mediasift.services.workflow_steps import run_step
from mediasift.worker.pipeline import run_ingest

if TYPE_CHECKING:
    from mediasift.queue.s3_events import EventDelivery
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.worker")


class _Released(Exception):
    """Raised inside a job whose lease this worker gave back at shutdown: abandon it silently."""


class Worker:
    def __init__(self, rt: Runtime, name: str = "worker") -> None:
        self.rt = rt
        self.name = name
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self._lease: Lease | None = None  # the job running now, for a shutdown that cannot wait
        self._released = threading.Event()

    @property
    def running_job(self) -> str | None:
        """The id of the job this worker runs now, if any."""
        lease = self._lease
        return lease.job_id if lease is not None else None

    def stop(self) -> None:
        """Take no new job; the running one carries on. A worker waiting for a job stops waiting:
        ``stop_workers`` then joins it at once rather than after its wait (a second)."""
        self.stop_event.set()
        self.rt.queue.interrupt_waits()

    def release(self) -> bool:
        """Give the running job's lease back to the queue (visible at once) and abandon the job;
        False when it runs none (a thread still finishing a receive)."""
        lease = self._lease
        if lease is None:
            return False
        self._released.set()
        lifecycle.release(self.rt, lease)
        log.warning("worker %s: released job %s at shutdown for another worker", self.name, lease.job_id)
        return True

    def run_forever(self) -> None:
        lower_current_thread_priority(self.rt.settings.worker_niceness)
        while not self.stop_event.is_set() and not self.rt.stopping.is_set():
            try:
                self.run_once(wait_s=1.0)
            except Exception:  # a broken backend must not kill the thread; it retries after a pause
                log.exception("worker %s: receive failed", self.name)
                self.stop_event.wait(2.0)

    def run_once(self, wait_s: float = 0.0) -> bool:
        """Lease and process at most one job (or bucket-event delivery); True if one was handled."""
        delivery = self.rt.queue.receive_any(self.rt.settings.visibility_timeout_s, wait_s)
        if delivery is None:
            return False
        if isinstance(delivery, Lease):
            self._lease = delivery
            try:
                self.process(delivery)
            finally:
                self._lease = None
        else:
            self._ingest_events(delivery)
        return True

    def _ingest_events(self, delivery: EventDelivery) -> None:
        from mediasift.worker.bucket_events import ingest_delivery

        try:
            with lifecycle.heartbeat(self.rt, delivery):  # 2,400 records took longer than a lease
                ingest_delivery(self.rt, delivery)
        except Exception:
            # Left un-acked, the message returns after its visibility timeout and, after the
            # queue's maxReceiveCount, lands in the SQS dead-letter queue.
            log.exception("bucket event delivery failed (receive %d)", delivery.attempts)
            return
        self.rt.queue.ack(delivery)

    @traced_job
    def process(self, lease: Lease) -> None:
        rt = self.rt
        attempt = lifecycle.begin(rt, lease)
        if attempt is None:
            return
        try:
            self._attempt(attempt, lease)
        finally:
            # Whatever ended the attempt, a media deleted while it ran (its job with it: the lease
            # lost, or the media not found at the end) keeps nothing it wrote after the delete;
            # a media that stands is left alone (one catalog read).
            lifecycle.clear_leftovers(rt, attempt.tenant_id, attempt.media_id)

    def _attempt(self, attempt: Attempt, lease: Lease) -> None:
        rt = self.rt
        try:
            with lifecycle.heartbeat(rt, lease):
                self._run(attempt)
        except _Released:
            return
        except NotFound as exc:  # the media (or its original) vanished mid-run
            lifecycle.media_gone(rt, lease, exc)
            return
        except Cancelled:
            lifecycle.finish_cancelled(rt, lease)
            return
        except Exception as exc:
            if self._released.is_set():  # the job is the queue's again: record nothing
                return
            if not isinstance(exc, MediaRejected):
                log.error("job %s attempt %d failed", lease.job_id, lease.attempts, exc_info=exc)
            lifecycle.fail(rt, lease, exc)
            return
        if self._released.is_set():
            return
        lifecycle.succeed(rt, lease)  # which logs the outcome, with the job's and media's ids

    def _run(self, attempt: Attempt) -> None:
        progress = _ProgressRecorder(self.rt, attempt.job_id, self._released)
        # While another worker's job runs too, this one's passages run on one of the model's
        # threads, its own, and the other's on another, rather than as thread teams in turn.
        lane = ingest_lane(self.rt.models, self.rt.settings)
        try:
            with lane.caller():
                self._run_with(attempt, progress)
        finally:
            progress.close()

    def _run_with(self, attempt: Attempt, progress: _ProgressRecorder) -> None:
        if attempt.type in (JobType.INGEST.value, JobType.REPROCESS.value):
            run_ingest(self.rt, attempt.tenant_id, attempt.media_id, progress, attempt.job_id)
        elif attempt.type == JobType.RELABEL.value:
            relabel_media(self.rt, attempt.tenant_id, attempt.media_id, progress)
        elif attempt.type == JobType.CONVERT.value:
            conversions.run(self.rt, attempt.job_id, progress)
        elif attempt.type == JobType.NUTRITION.value:
            analyse_nutrition(self.rt, attempt.tenant_id, attempt.media_id, progress)
        elif attempt.type == JobType.STEP.value:
            run_step(self.rt, attempt.job_id, progress)
        else:
            raise MediasiftError(f"unknown job type {attempt.type!r}")


# A job's stage is written at most this often: an image's job reports 11 stages in a few tenths of
# a second, and each write takes the catalog's write lock from the other workers (docs/benchmarks.md,
# "Images and scanned pages": 14 % of two image workers' time went to these writes).
PROGRESS_INTERVAL_S = 0.5


class _ProgressRecorder:
    """Records stage and progress, the first report at once, then at most once every
    ``PROGRESS_INTERVAL_S`` (within a stage, at most once a second).

    A report that comes sooner is held, and written when the interval is over (by a timer, if the
    job reports nothing more by then), so a stage that lasts shows at most that late, and one that
    was over sooner may never show. A cancellation the timer's write finds is raised at the job's
    next report. ``close()`` (the attempt is over) drops what is held.
    """

    def __init__(self, rt: Runtime, job_id: str, released: threading.Event) -> None:
        self.rt, self.job_id, self.released = rt, job_id, released
        self._stage: str | None = None  # as last written
        self._last = -math.inf
        self._held: tuple[str, float] | None = None
        self._timer: threading.Timer | None = None
        self._cancelled: Cancelled | None = None
        self._closed = False
        self._lock = threading.Lock()  # one write at a time: the job's thread or the timer's

    def __call__(self, stage: str, fraction: float) -> None:
        if self.released.is_set():
            raise _Released(self.job_id)
        with self._lock:
            if self._cancelled is not None:
                raise self._cancelled
            now = time.monotonic()
            if stage == self._stage and self._held is None and now - self._last < 1.0:
                return
            if now - self._last >= PROGRESS_INTERVAL_S:
                self._write(stage, fraction, now)
                return
            self._held = (stage, fraction)
            if self._timer is None:
                self._timer = threading.Timer(self._last + PROGRESS_INTERVAL_S - now, self._write_held)
                self._timer.daemon = True
                self._timer.start()

    def close(self) -> None:
        """The attempt is over: nothing more is written, held or not."""
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()

    def _write(self, stage: str, fraction: float, now: float) -> None:
        self._stage, self._last, self._held = stage, now, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        lifecycle.record_progress(self.rt, self.job_id, stage, fraction)

    def _write_held(self) -> None:
        with self._lock:
            self._timer = None
            if self._held is None or self._closed or self.released.is_set():
                return
            try:
                self._write(*self._held, time.monotonic())
            except Cancelled as exc:  # the job's thread learns it at its next report
                self._cancelled = exc
            except Exception:  # a catalog hiccup: the next report writes again
                log.warning("job %s: progress not recorded", self.job_id, exc_info=True)


def start_worker_threads(rt: Runtime, count: int) -> list[Worker]:
    workers = [Worker(rt, name=f"worker-{i}") for i in range(count)]
    if workers:
        _warn_if_redrive_comes_first(rt)
    start_dispatcher(rt)  # webhook deliveries go out from every process that runs workers
    start_retention(rt)  # deletes old originals when MEDIASIFT_RETENTION_DAYS is set
    for w in workers:
        # daemon: a job abandoned by stop_workers must not keep the process alive
        w.thread = threading.Thread(target=w.run_forever, name=w.name, daemon=True)
        w.thread.start()
    return workers


def _warn_if_redrive_comes_first(rt: Runtime) -> None:
    """On SQS, a redrive policy that moves a message after ``max_attempts`` receives takes a job
    whose last attempt killed its worker away before any worker can record it dead: the catalog
    would show it running for ever."""
    try:
        receives = rt.queue.max_receive_count()
    except BackendUnavailable as exc:
        log.warning("could not read the queue's redrive policy: %s", exc.message)
        return
    if receives is not None and receives <= rt.settings.max_attempts:
        log.warning(
            "the queue's redrive policy moves a message after %d receives, not above "
            "MEDIASIFT_MAX_ATTEMPTS (%d): a job whose last attempt kills its worker will reach the "
            "dead-letter queue while the catalog still shows it running; set maxReceiveCount to %d "
            "or more",
            receives,
            rt.settings.max_attempts,
            rt.settings.max_attempts + 1,
        )


def stop_workers(workers: list[Worker], grace_s: float) -> int:
    """Graceful stop: no new jobs; running ones get ``grace_s`` seconds, then their leases go back.
    Returns how many were given back: their threads still run the abandoned attempts, which only
    the process's end stops (``exit_abandoning``)."""
    for w in workers:
        w.stop()
    deadline = time.monotonic() + grace_s
    for w in workers:
        if w.thread is not None:
            w.thread.join(max(0.0, deadline - time.monotonic()))
    abandoned = 0
    for w in workers:
        if w.thread is not None and w.thread.is_alive() and w.release():
            abandoned += 1
    return abandoned


def exit_abandoning(code: int) -> NoReturn:
    """End the process now, leaving the attempts whose leases ``stop_workers`` gave back: their
    jobs are the queue's again, and letting them run on (a speech recognition, minutes) had kept a
    stopped worker busy beside the one that took the job over, and an interpreter shutting down
    under them failed them ("cannot schedule new futures after interpreter shutdown"). What the
    process wrote is durable (the catalog's transactions, the index's write-ahead log)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
