"""Cancelling jobs: a waiting job stops at once, a running one at its next progress report.

``cancel_job`` marks the job ``cancelled``. The queue never delivers a cancelled job again (an SQS
message that still arrives is acknowledged and dropped by the worker), and a worker running it
sees the status when it next records progress: its progress recorder raises ``Cancelled``, and the
worker calls ``finish_cancelled`` instead of retrying.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.catalog import repo
from mediasift.catalog.models import Job, Media, utcnow
from mediasift.domain import JobStatus, MediaStatus
from mediasift.errors import Conflict
from mediasift.jobs.events import job_ended

if TYPE_CHECKING:
    from mediasift.queue.base import Lease
    from mediasift.runtime import Runtime

_CANCELLABLE = (JobStatus.QUEUED.value, JobStatus.FAILED.value, JobStatus.RUNNING.value)


def cancel_job(rt: Runtime, job_id: str, tenant_id: str | None) -> Job:
    """Cancel a queued, waiting-to-retry or running job; 409 if it has already ended."""
    with rt.catalog.session() as s:
        job = repo.get_job(s, job_id, tenant_id)
        if job.status not in _CANCELLABLE:
            raise Conflict(f"job {job_id} is {job.status}; only queued or running jobs can be cancelled")
        was_running = job.status == JobStatus.RUNNING.value
        job.status, job.error, job.error_code = JobStatus.CANCELLED.value, "cancelled by request", "cancelled"
        if not was_running:
            job.finished_at = utcnow()
            _settle_media(s, job)
    if not was_running:
        job_ended(rt, job_id, "cancelled")
    return job


def finish_cancelled(rt: Runtime, lease: Lease) -> None:
    """The worker's side: the running job noticed its cancellation; end it and drop the lease."""
    with rt.catalog.session() as s:
        job = s.get(Job, lease.job_id)
        if job is not None:
            job.status, job.finished_at = JobStatus.CANCELLED.value, utcnow()
            _settle_media(s, job)
    rt.queue.ack(lease)
    job_ended(rt, lease.job_id, "cancelled")


def _settle_media(s, job: Job) -> None:  # type: ignore[no-untyped-def]
    # A media keeps the results of an earlier run (a cancelled reprocess); one that never had
    # any is failed, so it does not look like it is still on its way.
    media = s.get(Media, job.media_id)
    if media is None or media.status == MediaStatus.READY.value:
        return
    if repo.count_segments(s, media.id):
        media.status = MediaStatus.READY.value
    else:
        media.status, media.error = MediaStatus.FAILED.value, "processing was cancelled"
