"""The conversion table: one row per (tenant, source bytes, target, options), and the job that makes it.

A conversion's state is its job's (``catalog/jobs.py``); the row holds what the request asked for
and, once the job has written it, where the output lies and what it holds. Every read a user can
reach is tenant-scoped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from ulid import ULID

from mediasift.catalog import jobs as job_rows
from mediasift.catalog.models import Conversion, Job, SegmentRow, utcnow
from mediasift.domain import JobType
from mediasift.errors import Conflict, NotFound


def segments_digest(s: Session, tenant_id: str, media_id: str) -> str:
    """A digest of a media's segments as a conversion made from them reads them (text, times,
    pages, languages, what their ``meta`` holds): equal for the same extraction, whatever ids its
    rows got."""
    digest = hashlib.sha256()
    columns = (
        SegmentRow.ordinal, SegmentRow.modality, SegmentRow.start_s, SegmentRow.end_s, SegmentRow.page,
        SegmentRow.language, SegmentRow.text, SegmentRow.meta,
    )  # fmt: skip
    q = select(*columns).where(SegmentRow.tenant_id == tenant_id, SegmentRow.media_id == media_id)
    for row in s.execute(q.order_by(SegmentRow.ordinal, SegmentRow.id)):
        digest.update(json.dumps(list(row), sort_keys=True, default=str).encode())
    return digest.hexdigest()


def find_or_add(
    s: Session,
    tenant_id: str,
    media_id: str,
    *,
    target: str,
    options: dict[str, Any],
    cache_key: str,
    mime: str,
    max_attempts: int,
) -> tuple[Conversion, Job, bool]:
    """The tenant's conversion with this ``cache_key``, or a new one with a new queued convert job
    (not yet sent to the queue). Returns ``(conversion, job, created)``; two requests racing for
    the same key get one row (the loser finds the winner's)."""
    found = _by_cache_key(s, tenant_id, cache_key)
    if found is not None:
        return found, job_rows.get_job(s, found.job_id), False
    try:
        with s.begin_nested():
            job = job_rows.add_job(s, tenant_id, media_id, JobType.CONVERT, max_attempts)
            conversion = Conversion(
                id=str(ULID()),
                tenant_id=tenant_id,
                media_id=media_id,
                job_id=job.id,
                target=target,
                options=options,
                cache_key=cache_key,
                mime=mime,
                info={},
            )
            s.add(conversion)
            s.flush()
    except IntegrityError:
        found = _by_cache_key(s, tenant_id, cache_key)
        if found is None:
            raise
        return found, job_rows.get_job(s, found.job_id), False
    return conversion, job, True


def _by_cache_key(s: Session, tenant_id: str, cache_key: str) -> Conversion | None:
    q = select(Conversion).where(Conversion.tenant_id == tenant_id, Conversion.cache_key == cache_key)
    return s.scalars(q).first()


def get_conversion(s: Session, tenant_id: str, media_id: str, conversion_id: str) -> Conversion:
    """A conversion of the tenant's media; any other is not found."""
    row = s.get(Conversion, conversion_id)
    if row is None or row.tenant_id != tenant_id or row.media_id != media_id:
        raise NotFound(f"conversion {conversion_id} of media {media_id} not found")
    return row


def find_by_job(s: Session, job_id: str) -> Conversion | None:
    return s.scalars(select(Conversion).where(Conversion.job_id == job_id)).first()


def by_job(s: Session, job_id: str) -> Conversion:
    """The conversion a convert job makes (NotFound once it went with its media)."""
    row = find_by_job(s, job_id)
    if row is None:
        raise NotFound(f"no conversion for job {job_id}")
    return row


def media_conversions(s: Session, tenant_id: str, media_id: str) -> list[tuple[Conversion, Job | None]]:
    """The media's conversions, newest first, each with its job."""
    q = (
        select(Conversion, Job)
        .join(Job, Job.id == Conversion.job_id, isouter=True)
        .where(Conversion.tenant_id == tenant_id, Conversion.media_id == media_id)
        .order_by(Conversion.created_at.desc(), Conversion.id.desc())
    )
    return [(conversion, job) for conversion, job in s.execute(q).all()]


def record_output(s: Session, conversion_id: str, key: str, size: int, info: dict[str, Any]) -> None:
    """The job wrote the output: where it lies, its size in bytes and what it holds."""
    row = s.get(Conversion, conversion_id)
    if row is None:
        raise NotFound(f"conversion {conversion_id} not found")
    row.key, row.bytes, row.info, row.finished_at = key, size, info, utcnow()


def adopt(
    s: Session,
    tenant_id: str,
    media_id: str,
    *,
    job_id: str,
    target: str,
    options: dict[str, Any],
    cache_key: str,
    mime: str,
) -> tuple[Conversion, bool]:
    """The conversion a workflow's convert step (job ``job_id``) makes: the tenant's one with this
    ``cache_key`` (``True``: its file is already written), taken over by this job when its own job
    ended without one, or a new one made by this job. ``Conflict`` while another job is making it."""
    found = _by_cache_key(s, tenant_id, cache_key)
    if found is not None:
        if found.key is not None:
            return found, True
        running = job_rows.find_job(s, found.job_id)
        in_flight = running is not None and running.status in ("queued", "running", "failed")
        if found.job_id != job_id and in_flight:
            raise Conflict(f"conversion {found.id} is being made by job {found.job_id}")
        found.job_id = job_id
        return found, False
    conversion = Conversion(
        id=str(ULID()),
        tenant_id=tenant_id,
        media_id=media_id,
        job_id=job_id,
        target=target,
        options=options,
        cache_key=cache_key,
        mime=mime,
        info={},
    )
    s.add(conversion)
    s.flush()
    return conversion, False
