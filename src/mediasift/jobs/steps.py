"""A media's workflow steps follow their jobs: each job's state is mirrored on its step, and when a
step ends the steps waiting for it that have nothing left to wait for get their jobs.

The rule a step waits by is planned in ``workflow/plan.py`` (its ``needs``); here a need has
ended once its step is succeeded, skipped, dead, cancelled or blocked, so one failing step
dead-letters alone while the rest of the media's steps finish. When ``ingest`` itself ends without
succeeding, the steps waiting for it are ``blocked``: there are no segments to work from.

Called inside the transaction that records the job's new state, after locking the media's row:
two steps of one media that end together on two workers decide their followers one after the
other, so a follower is queued exactly once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.catalog import jobs as job_rows
from mediasift.catalog import steps as step_rows
from mediasift.catalog.models import utcnow
from mediasift.domain import JobStatus, JobType

if TYPE_CHECKING:
    from mediasift.catalog.db import Session
    from mediasift.catalog.models import Job

_FAILED_INGEST = ("dead", "cancelled", "blocked")


def follow(s: Session, job: Job, max_attempts: int) -> list[str]:
    """Mirror ``job``'s status on the step it runs (if it runs one) and, when it has ended, queue
    the followers that are ready. Returns the new jobs' ids, to send once the transaction is
    committed."""
    step = step_rows.by_job(s, job.id)
    if step is None:
        return []
    step_rows.lock_media(s, job.media_id)
    s.refresh(step)
    if step.status == "skipped" and job.status == JobStatus.SUCCEEDED.value:
        pass  # the step decided it had nothing to do: that is what it shows
    else:
        step.status = job.status
    step.error = job.error if job.status in ("failed", "dead") else None
    step.updated_at = utcnow()
    if step.status not in step_rows.ENDED:
        return []
    return queue_ready(s, job.tenant_id, job.media_id, max_attempts)


def queue_ready(s: Session, tenant_id: str, media_id: str, max_attempts: int) -> list[str]:
    """A job for every waiting step of the media whose needs have all ended (a need that is not
    in the plan counts as ended); every waiting step is blocked once ``ingest`` has failed."""
    steps = step_rows.media_steps(s, media_id)
    status = {row.step_key: row.status for row in steps}
    ingest_failed = status.get("ingest") in _FAILED_INGEST
    queued = []
    for row in steps:
        if row.status != "waiting":
            continue
        if ingest_failed:
            row.status, row.error = "blocked", "its ingest did not succeed"
            continue
        if all(status.get(need, "succeeded") in step_rows.ENDED for need in row.needs or []):
            job = job_rows.add_job(s, tenant_id, media_id, JobType.STEP, max_attempts)
            row.job_id, row.status, row.updated_at = job.id, JobStatus.QUEUED.value, utcnow()
            queued.append(job.id)
    return queued
