"""The trace context a job carries from the request that queued it to the worker that runs it."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mediasift.catalog.models import Job


class JobTrace(NamedTuple):
    tenant_id: str
    media_id: str
    traceparent: str | None  # W3C traceparent; None when the request was not traced


def remember_traceparent(s: Session, job_id: str, traceparent: str) -> None:
    s.execute(update(Job).where(Job.id == job_id).values(traceparent=traceparent))


def job_trace(s: Session, job_id: str) -> JobTrace | None:
    """Whose job it is and the trace to continue; None when the job is gone."""
    row = s.execute(select(Job.tenant_id, Job.media_id, Job.traceparent).where(Job.id == job_id)).first()
    return JobTrace(*row) if row is not None else None
