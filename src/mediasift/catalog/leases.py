"""The job table as a queue: the leases that the database-backed queue (``queue/db.py``) takes.

A job is deliverable when it is queued or failed (waiting for a retry), no worker holds it and
its ``run_after`` has passed, or when it is running but its lease expired (its worker died).
Leasing is a compare-and-set on that condition, so two workers never hold the same lease; on
PostgreSQL the candidate scan uses ``FOR UPDATE SKIP LOCKED`` so workers do not queue behind each
other. Every change to a held lease is a compare-and-set on its token, so a worker whose lease
was taken over changes nothing.

Times (``now``, ``until``, ``run_after``) are epoch seconds. Each function runs in the caller's
session: the queue owns the unit of work and the clock.
"""

from __future__ import annotations

import secrets
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from mediasift.catalog.models import Job
from mediasift.domain import JobStatus

_WAITING = (JobStatus.QUEUED.value, JobStatus.FAILED.value)
_OPEN = (*_WAITING, JobStatus.RUNNING.value)
# Candidates looked at per lease attempt: enough to get past the few that a concurrent worker wins.
_CANDIDATES = 8


class Grant(NamedTuple):
    """A lease just taken: the job, its token (the receipt) and the attempt it starts (from 1)."""

    job_id: str
    token: str
    attempts: int


class HeldLease(NamedTuple):
    """A live lease and who holds it (``queue/holder.py``'s string, or None)."""

    job_id: str
    token: str
    holder: str | None


class QueueCounts(NamedTuple):
    """The queue's states, which partition the open jobs as SQS counts its messages.

    ``deliverable_since`` is the earliest moment (epoch seconds) a deliverable job became so, or
    None when none has one.
    """

    depth: int
    in_flight: int
    delayed: int
    dead: int
    deliverable_since: float | None


def _visible(now: float) -> ColumnElement[bool]:
    return and_(Job.status.in_(_WAITING), Job.lease_token.is_(None), Job.run_after <= now)


def _expired(now: float) -> ColumnElement[bool]:
    return and_(Job.status.in_(_OPEN), Job.lease_token.is_not(None), Job.lease_until < now)


def _deliverable(now: float) -> ColumnElement[bool]:
    return or_(_visible(now), _expired(now))


def _leased(now: float) -> ColumnElement[bool]:
    return and_(Job.status.in_(_OPEN), Job.lease_token.is_not(None), Job.lease_until >= now)


def _delayed(now: float) -> ColumnElement[bool]:
    return and_(Job.status.in_(_WAITING), Job.lease_token.is_(None), Job.run_after > now)


def schedule(s: Session, job_id: str, run_after: float) -> None:
    """Make a waiting, unheld job queued and deliverable from ``run_after``.

    A job already leased (or finished) is past its send: it is left alone.
    """
    s.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(_WAITING), Job.lease_token.is_(None))
        .values(status=JobStatus.QUEUED.value, run_after=run_after)
    )


def any_deliverable(s: Session, now: float) -> bool:
    """Whether some job is deliverable at ``now``: a read, which a read session can run without
    the write lock ``lease_next`` needs."""
    return s.scalar(select(Job.id).where(_deliverable(now)).limit(1)) is not None


def lease_next(s: Session, now: float, until: float, holder: str) -> Grant | None:
    """Lease the longest-deliverable job to ``holder`` until ``until``; None when none is.

    The lease counts an attempt and marks the job running.
    """
    q = select(Job.id).where(_deliverable(now)).order_by(Job.run_after, Job.id).limit(_CANDIDATES)
    if s.get_bind().dialect.name != "sqlite":
        # SQLite serialises writers anyway and has no row locks to skip.
        q = q.with_for_update(skip_locked=True)
    for job_id in s.scalars(q).all():
        token = secrets.token_hex(8)
        won = s.execute(
            update(Job)
            .where(Job.id == job_id, _deliverable(now))
            .values(
                status=JobStatus.RUNNING.value,
                lease_token=token,
                lease_until=until,
                lease_holder=holder,
                attempts=Job.attempts + 1,
                # not ``started_at``: ``jobs/lifecycle.begin`` sets it when the attempt begins, so a
                # job leased and given back unbegun (``defer``) is told apart (``waiting_job``)
            )
            .returning(Job.attempts)
        ).first()
        if won is not None:
            return Grant(job_id=job_id, token=token, attempts=int(won[0]))
    return None


def live_leases(s: Session, now: float) -> list[HeldLease]:
    """Every lease not yet run out at ``now``, with its holder."""
    rows = s.execute(select(Job.id, Job.lease_token, Job.lease_holder).where(_leased(now))).all()
    return [HeldLease(job_id, token, holder) for job_id, token, holder in rows if token is not None]


def extend_lease(s: Session, job_id: str, token: str, until: float) -> bool:
    """Move the lease's end to ``until``; False when the token no longer holds the job."""
    result = s.execute(
        update(Job).where(Job.id == job_id, Job.lease_token == token).values(lease_until=until)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def expire_lease(s: Session, job_id: str, token: str, now: float) -> bool:
    """Make the lease run out just before ``now``, so its job is deliverable at once, as after a
    crash; False when the token no longer holds the job (it was renewed or taken meanwhile)."""
    return extend_lease(s, job_id, token, until=now - 0.001)


def end_lease(s: Session, job_id: str, token: str) -> None:
    """Drop the lease, leaving the status the worker wrote."""
    s.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease_token == token)
        .values(lease_token=None, lease_until=None, lease_holder=None)
    )


def release_lease(s: Session, job_id: str, token: str, run_after: float, *, uncount: bool = False) -> None:
    """Drop the lease and deliver the job again from ``run_after`` (``uncount``: the attempt this
    lease began is not counted, for a job given back unfinished by a stopping worker).

    A worker records "failed" (with its error) before releasing; that status is kept. A bare
    release of a running job makes it plainly queued again.
    """
    values: dict[str, Any] = {
        "status": case((Job.status == JobStatus.RUNNING.value, JobStatus.QUEUED.value), else_=Job.status),
        "lease_token": None,
        "lease_until": None,
        "lease_holder": None,
        "run_after": run_after,
    }
    if uncount:
        values["attempts"] = case((Job.attempts > 0, Job.attempts - 1), else_=0)
    s.execute(update(Job).where(Job.id == job_id, Job.lease_token == token).values(**values))


def queue_counts(s: Session, now: float) -> QueueCounts:
    """How many jobs are deliverable, in flight, delayed and dead at ``now``."""
    visible, expired = _visible(now), _expired(now)
    depth, in_flight, delayed, dead, since = s.execute(
        select(
            func.count().filter(or_(visible, expired)),
            func.count().filter(_leased(now)),
            func.count().filter(_delayed(now)),
            func.count().filter(Job.status == JobStatus.DEAD.value),
            # A crashed worker's job has been deliverable since its lease ran out; a row never
            # sent (run_after still 0) has no enqueue time to age from.
            func.min(case((and_(visible, Job.run_after > 0), Job.run_after), (expired, Job.lease_until))),
        ).where(Job.status.in_((*_WAITING, JobStatus.RUNNING.value, JobStatus.DEAD.value)))
    ).one()
    return QueueCounts(
        depth=int(depth),
        in_flight=int(in_flight),
        delayed=int(delayed),
        dead=int(dead),
        deliverable_since=float(since) if since is not None else None,
    )
