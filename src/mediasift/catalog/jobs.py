"""The job table: the rows ``jobs/lifecycle.py`` creates and changes, and the reads of the API.

Storage only: which state follows which is the lifecycle's business (the DB queue's leases on
this table are in ``leases.py``). Every read a user can reach is tenant-scoped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session
from ulid import ULID

from mediasift.catalog.models import Conversion, Job, Media, MediaStep, utcnow
from mediasift.catalog.paging import Cursor, below
from mediasift.domain import JobStatus, JobType
from mediasift.errors import NotFound


def add_job(s: Session, tenant_id: str, media_id: str, job_type: JobType, max_attempts: int) -> Job:
    """A new queued job of a media (not yet sent to the queue)."""
    job = Job(
        id=str(ULID()),
        media_id=media_id,
        tenant_id=tenant_id,
        type=job_type.value,
        status=JobStatus.QUEUED.value,
        max_attempts=max_attempts,
    )
    s.add(job)
    return job


def get_job(s: Session, job_id: str, tenant_id: str | None = None) -> Job:
    """A job by id; with tenant_id, one of another tenant is reported as not found."""
    job = s.get(Job, job_id)
    if job is None or (tenant_id is not None and job.tenant_id != tenant_id):
        raise NotFound(f"job {job_id} not found")
    return job


def find_job(s: Session, job_id: str) -> Job | None:
    """A job by id, or None once it is gone (deleted with its media)."""
    return s.get(Job, job_id)


def list_jobs(
    s: Session,
    tenant_id: str | None,
    *,
    status: str | Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
    media_ids: Sequence[str] | None = None,
    limit: int = 100,
    offset: int = 0,
    cursor: Cursor | None = None,
) -> list[Job]:
    """Jobs newest first; ``tenant_id`` None spans every tenant (admin); ``status`` one status or
    any of several; ``cursor``: below that row (``catalog/paging.py``)."""
    q = below(select(Job), Job, cursor)
    if tenant_id is not None:
        q = q.where(Job.tenant_id == tenant_id)
    if isinstance(status, str):
        q = q.where(Job.status == status)
    elif status:
        q = q.where(Job.status.in_(status))
    if ids is not None:
        q = q.where(Job.id.in_(ids))
    if media_ids is not None:
        q = q.where(Job.media_id.in_(media_ids))
    return list(s.scalars(q.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)))


def job_counts(s: Session) -> dict[str, int]:
    """Jobs by status, every tenant."""
    return dict(s.execute(select(Job.status, func.count()).group_by(Job.status)).all())


def job_media(s: Session, job: Job) -> Media | None:
    """The media a job works on (None once deleted)."""
    return s.get(Media, job.media_id)


def filenames(s: Session, media_ids: Iterable[str]) -> dict[str, str]:
    """The filename of each of these media that still exists, for job listings."""
    ids = list(set(media_ids))
    if not ids:
        return {}
    return dict(s.execute(select(Media.id, Media.filename).where(Media.id.in_(ids))).all())


class StepRef(NamedTuple):
    key: str  # convert.mp3, nutrition, when.1
    status: str  # the step's own: a condition that did not hold is "skipped" where its job succeeded


def step_keys(s: Session, jobs: Iterable[Job]) -> dict[str, StepRef]:
    """The workflow step (``convert.mp3``, ``nutrition``) each of these ``step`` jobs runs, and
    how that step stands, by job id; a job a re-run has since replaced on its step has none."""
    ids = [j.id for j in jobs if j.type == JobType.STEP.value]
    if not ids:
        return {}
    rows = s.execute(
        select(MediaStep.job_id, MediaStep.step_key, MediaStep.status).where(MediaStep.job_id.in_(ids))
    )
    return {job_id: StepRef(key, status) for job_id, key, status in rows.all() if job_id is not None}


def delete_jobs(s: Session, job_ids: Sequence[str]) -> None:
    """Delete these jobs, and the conversions that convert jobs among them were making."""
    s.execute(delete(Conversion).where(Conversion.job_id.in_(job_ids)))
    s.execute(delete(Job).where(Job.id.in_(job_ids)))


def waiting_media(s: Session, tenant_id: str, job_type: JobType) -> set[str]:
    """The media of the tenant with a job of ``job_type`` queued and not yet running."""
    q = select(Job.media_id).where(
        Job.tenant_id == tenant_id, Job.type == job_type.value, Job.status == JobStatus.QUEUED.value
    )
    return set(s.scalars(q))


def waiting_job(s: Session, media_id: str, job_types: Sequence[JobType]) -> Job | None:
    """The media's newest job of one of ``job_types`` that is queued and not yet running: queued,
    or leased by a worker that has not begun it (the database queue marks a lease ``running``; a
    job waiting for another of its media's is leased and given back every few seconds, and a
    second reprocess asked in that moment had made a second job)."""
    leased_not_begun = and_(Job.status == JobStatus.RUNNING.value, Job.started_at.is_(None))
    q = select(Job).where(
        Job.media_id == media_id,
        Job.type.in_([t.value for t in job_types]),
        or_(Job.status == JobStatus.QUEUED.value, leased_not_begun),
    )
    return s.scalar(q.order_by(Job.created_at.desc(), Job.id.desc()).limit(1))


def running_alongside(s: Session, job: Job, types: Sequence[str], now: float, live_s: float) -> Job | None:
    """Another job of ``job``'s media, of one of ``types``, whose attempt is running now: one
    running, or one cancelled while it ran and not yet stopped (it stops at its next progress
    report; its end is not written yet), under a lease that has not run out (the database
    queue's), or (a queue that keeps its leases itself, SQS) written to within ``live_s``, as a
    running job's progress writes it. The media's row is locked for the rest of the transaction
    where the database can (PostgreSQL), so two workers beginning jobs of one media take turns."""
    s.execute(select(Media.id).where(Media.id == job.media_id).with_for_update())
    since = utcnow() - timedelta(seconds=live_s)
    stopping = and_(Job.status == JobStatus.CANCELLED.value, Job.finished_at.is_(None))
    q = select(Job).where(
        Job.media_id == job.media_id,
        Job.id != job.id,
        Job.type.in_(list(types)),
        or_(Job.status == JobStatus.RUNNING.value, stopping),
        or_(Job.lease_until > now, and_(Job.lease_until.is_(None), Job.updated_at >= since)),
    )
    return s.scalar(q.limit(1))


def drop_dead_jobs(s: Session, media_id: str, types: Sequence[str], before: str) -> list[str]:
    """Delete the media's dead jobs of ``types`` created before the job ``before`` (ids are
    ULIDs: in creation order), except those a workflow step records; their ids."""
    stepped = select(MediaStep.job_id).where(MediaStep.media_id == media_id, MediaStep.job_id.is_not(None))
    ids = list(
        s.scalars(
            select(Job.id).where(
                Job.media_id == media_id,
                Job.status == JobStatus.DEAD.value,
                Job.type.in_(list(types)),
                Job.id < before,
                Job.id.not_in(stepped),
            )
        )
    )
    if ids:
        s.execute(delete(Job).where(Job.id.in_(ids)))
    return ids
