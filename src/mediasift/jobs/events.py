"""What happens when a job attempt ends: metrics, a log line and the tenant's webhooks.

The worker calls ``job_ended`` once per attempt outcome; everything here is best-effort, so a
broken notification never changes what happened to the job.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import TYPE_CHECKING

from mediasift import meters
from mediasift.catalog.models import Job, Media, utcnow
from mediasift.services import webhooks

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.jobs")
# outcome of an attempt → the webhook event it raises
EVENTS = {
    "succeeded": "media.succeeded",
    "failed": "media.failed",
    "dead": "media.dead",
    "cancelled": "media.cancelled",
}


def job_ended(rt: Runtime, job_id: str, outcome: str) -> None:
    """Record an attempt's ``outcome`` (succeeded, failed, dead or cancelled) everywhere it shows."""
    try:
        with rt.catalog.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                return
            media = s.get(Media, job.media_id)
            started = job.started_at
            if started is not None and started.tzinfo is None:  # SQLite hands back naive UTC
                started = started.replace(tzinfo=UTC)
            seconds = (utcnow() - started).total_seconds() if started else None
            data = {
                "tenant": job.tenant_id,
                "job_id": job.id,
                "media_id": job.media_id,
                "filename": media.filename if media else None,
                "kind": media.kind if media else None,
                "status": outcome,
                "attempts": job.attempts,
                "stage": job.stage,
                "error": job.error,
                "error_code": job.error_code,
            }
        meters.record_job(data["kind"], outcome, seconds, data["stage"], data["error_code"])
        log.info("job %s %s", job_id, outcome, extra={"outcome": outcome})
        webhooks.publish(rt, data["tenant"], EVENTS[outcome], data)
    except Exception:
        log.exception("could not record the end of job %s", job_id)
