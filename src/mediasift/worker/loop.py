"""Workers: lease a job → run the pipeline → succeed, retry with backoff, or dead-letter.

A worker heartbeats its lease while a stage runs, so a long video is not redelivered under it; a
worker that dies stops heartbeating, its lease expires, and another worker runs the job again
(stages are idempotent, so the media ends with one set of segments). ``stop_workers`` is the
graceful stop (SIGTERM): no new job is taken, running jobs get ``shutdown_grace_s`` to finish, and a
job still running after that has its lease released, so another worker takes it at once instead of
after the lease expires. A released job's worker then writes nothing more about it.

Every delivery counts an attempt, whoever ends it. A job whose error is permanent
(``errors.py``: empty, unsupported, corrupt, encrypted, over a limit) is dead on its first attempt;
other errors retry until ``max_attempts``. A job delivered once more after its last allowed attempt
ended without an outcome (its worker died in it, as under a job that kills its process) is not
run: it is dead with ``worker_lost``, on the DB queue and on SQS alike. On SQS the redrive
policy's ``maxReceiveCount`` must allow that extra delivery; ``start_worker_threads`` warns when
it does not.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import TYPE_CHECKING

from mediasift.catalog import repo
from mediasift.catalog.models import Job, Media, utcnow
from mediasift.domain import JobStatus, JobType, MediaStatus
from mediasift.errors import (
    BackendUnavailable,
    Cancelled,
    MediaRejected,
    MediasiftError,
    NotFound,
    WorkerLost,
)
from mediasift.jobs.control import finish_cancelled
from mediasift.jobs.events import job_ended
from mediasift.ops.thread_priority import lower_current_thread_priority
from mediasift.ops.tracing import traced_job
from mediasift.queue.base import Lease
from mediasift.services.retention import start_retention
from mediasift.services.webhooks import start_dispatcher
from mediasift.worker.pipeline import run_ingest

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.worker")


def backoff_s(attempts: int, base: float, cap: float) -> float:
    """Exponential backoff with ±20% jitter so retried jobs do not stampede together."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


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

    def stop(self) -> None:
        """Take no new job; the running one carries on."""
        self.stop_event.set()

    def release(self) -> None:
        """Give the running job's lease back to the queue (visible at once) and abandon the job."""
        lease = self._lease
        if lease is None:
            return
        self._released.set()
        self.rt.queue.retry(lease, 0.0)
        log.warning("worker %s: released job %s at shutdown for another worker", self.name, lease.job_id)

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

    def _ingest_events(self, delivery) -> None:  # type: ignore[no-untyped-def]
        from mediasift.worker.bucket_events import ingest_delivery

        try:
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
        try:
            with rt.catalog.session() as s:
                job = repo.get_job(s, lease.job_id)
                if job.status in (JobStatus.SUCCEEDED.value, JobStatus.DEAD.value, JobStatus.CANCELLED.value):
                    rt.queue.ack(lease)
                    return
                max_attempts = job.max_attempts
                if lease.attempts <= max_attempts:
                    job.status, job.attempts, job.stage, job.progress = (
                        JobStatus.RUNNING.value,
                        lease.attempts,
                        None,
                        0.0,
                    )
                    job.started_at = utcnow()
                tenant_id, media_id, job_type = job.tenant_id, job.media_id, job.type
        except NotFound:  # the job's media was deleted while the message waited
            rt.queue.ack(lease)
            return
        if lease.attempts > max_attempts:
            # An attempt that ends records its outcome, and the last allowed one makes the job
            # dead; so the last one ended without any: its process died under it (killed, out of
            # memory, a native crash). Running it again would most likely take this worker too.
            lost = WorkerLost(
                f"attempt {max_attempts} of {max_attempts} ended without an outcome: its worker died "
                "(killed, out of memory or crashed), so the job is not run again"
            )
            self._finish_attempt(lease, lost, permanent=True, attempts=max_attempts)
            return

        heartbeat = _Heartbeat(rt, lease)
        heartbeat.start()
        progress = _ProgressRecorder(rt, lease.job_id, self._released)
        try:
            if job_type in (JobType.INGEST.value, JobType.REPROCESS.value):
                run_ingest(rt, tenant_id, media_id, progress)
            else:
                raise MediasiftError(f"unknown job type {job_type!r}")
        except _Released:
            heartbeat.stop()
            return
        except NotFound as exc:
            # The media (or its original) vanished mid-run: retrying cannot help.
            heartbeat.stop()
            self._gone(lease, exc)
            return
        except Cancelled:
            heartbeat.stop()
            finish_cancelled(rt, lease)
            return
        except Exception as exc:
            heartbeat.stop()
            if not self._released.is_set():  # else the job is the queue's again: record nothing
                self._failed(lease, exc)
            return
        heartbeat.stop()
        if self._released.is_set():
            return
        with rt.catalog.session() as s:
            job = s.get(Job, lease.job_id)
            if job is not None and job.status != JobStatus.CANCELLED.value:
                job.status, job.stage, job.progress = JobStatus.SUCCEEDED.value, "done", 1.0
                job.error = job.error_code = None
                job.finished_at = utcnow()
        rt.queue.ack(lease)
        job_ended(rt, lease.job_id, "succeeded")
        log.info("job %s succeeded (media %s)", lease.job_id, media_id)

    def _gone(self, lease: Lease, exc: NotFound) -> None:
        with self.rt.catalog.session() as s:
            job = s.get(Job, lease.job_id)
            if job is not None:  # None: the media was deleted and its jobs with it
                job.status, job.error, job.error_code = JobStatus.DEAD.value, exc.message, exc.code
                job.finished_at = utcnow()
        if job is None:
            self.rt.queue.ack(lease)
            return
        self.rt.queue.dead_letter(lease, exc.code)
        job_ended(self.rt, lease.job_id, "dead")

    def _failed(self, lease: Lease, exc: Exception) -> None:
        if not isinstance(exc, MediaRejected):
            log.error("job %s attempt %d failed", lease.job_id, lease.attempts, exc_info=exc)
        permanent = isinstance(exc, MediasiftError) and not exc.retryable
        self._finish_attempt(lease, exc, permanent=permanent)

    def _finish_attempt(
        self, lease: Lease, exc: Exception, *, permanent: bool, attempts: int | None = None
    ) -> None:
        """Record an attempt that ended in ``exc`` on the job and its media. The job is dead when
        the error is permanent or it was the last attempt, and then dead-lettered; else it is
        failed and goes back to the queue after a backoff. ``attempts``: the count to record when
        it is not the lease's receive count."""
        rt = self.rt
        code = exc.code if isinstance(exc, MediasiftError) else "internal"
        message = exc.message if isinstance(exc, MediasiftError) else f"{type(exc).__name__}: {exc}"
        with rt.catalog.session() as s:
            job = s.get(Job, lease.job_id)
            if job is not None:
                dead = permanent or lease.attempts >= job.max_attempts
                job.status = JobStatus.DEAD.value if dead else JobStatus.FAILED.value
                job.error, job.error_code = message, code
                if attempts is not None:
                    job.attempts = attempts
                if dead:
                    job.finished_at = utcnow()
                media = s.get(Media, job.media_id)
                if media is not None:
                    media.error = message
                    media.status = MediaStatus.FAILED.value if dead else MediaStatus.PENDING.value
        if job is None:  # its media was deleted while it ran: nothing is left to retry or to letter
            rt.queue.ack(lease)
            return
        job_ended(rt, lease.job_id, "dead" if dead else "failed")
        if dead:
            rt.queue.dead_letter(lease, code)
        else:
            rt.queue.retry(
                lease, backoff_s(lease.attempts, rt.settings.backoff_base_s, rt.settings.backoff_max_s)
            )


class _Heartbeat:
    """Extends the lease every ``heartbeat_s`` while the job runs."""

    def __init__(self, rt: Runtime, lease: Lease) -> None:
        self.rt, self.lease = rt, lease
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{lease.job_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        settings = self.rt.settings
        while not self._done.wait(settings.heartbeat_s):
            try:
                if not self.rt.queue.extend(self.lease, settings.visibility_timeout_s):
                    log.warning("job %s: lease lost to another worker", self.lease.job_id)
                    return
            except Exception:
                log.exception("job %s: heartbeat failed", self.lease.job_id)


class _ProgressRecorder:
    """Writes stage and progress to the job row: on every stage change, else at most once a second."""

    def __init__(self, rt: Runtime, job_id: str, released: threading.Event) -> None:
        self.rt, self.job_id, self.released = rt, job_id, released
        self._stage: str | None = None
        self._last = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        if self.released.is_set():
            raise _Released(self.job_id)
        now = time.monotonic()
        if stage == self._stage and now - self._last < 1.0:
            return
        self._stage, self._last = stage, now
        with self.rt.catalog.session() as s:
            job = s.get(Job, self.job_id)
            if job is not None and job.status == JobStatus.CANCELLED.value:
                raise Cancelled(f"job {self.job_id} was cancelled")
            if job is not None:
                job.stage, job.progress = stage, round(max(0.0, min(1.0, fraction)), 4)


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


def stop_workers(workers: list[Worker], grace_s: float) -> None:
    """Graceful stop: no new jobs; running ones get ``grace_s`` seconds, then their leases go back."""
    for w in workers:
        w.stop()
    deadline = time.monotonic() + grace_s
    for w in workers:
        if w.thread is not None:
            w.thread.join(max(0.0, deadline - time.monotonic()))
    for w in workers:
        if w.thread is not None and w.thread.is_alive():
            w.release()
