"""Recording an upload: its media row and the job that will process it, in one transaction.

Two uploads of the same bytes to one tenant race for the ``(tenant_id, sha256)`` unique key (and
a tenant's first uploads for its row): the loser sees the winner's media and reports a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from ulid import ULID

from mediasift.catalog.db import Catalog
from mediasift.catalog.models import Job, Media
from mediasift.catalog.repo import ensure_tenant, find_media_by_sha, latest_job
from mediasift.domain import JobStatus, JobType, MediaStatus


@dataclass(frozen=True, slots=True)
class NewMedia:
    """An upload whose bytes are already in the object store under ``original_key``."""

    id: str
    tenant_id: str
    filename: str
    original_key: str
    bytes: int
    sha256: str
    collection: str = "default"
    metadata: dict[str, Any] = field(default_factory=dict)
    source_uri: str | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    media: Media
    job: Job | None  # the new ingest job; for a duplicate, the first copy's latest job
    duplicate: bool  # the tenant already had these bytes: ``media`` is that first copy


def record_upload(catalog: Catalog, new: NewMedia, max_attempts: int, tries: int = 3) -> Recorded | None:
    """Add the media (pending) and its queued ingest job, unless the tenant already holds these
    bytes. None when concurrent uploads kept winning the unique keys and no copy is left."""
    for _ in range(tries):
        try:
            created = _add(catalog, new, max_attempts)
        except IntegrityError:
            continue  # a concurrent upload won the tenant or sha256 key: look again
        if created is not None:
            return Recorded(*created, duplicate=False)
        break
    with catalog.session() as s:
        existing = find_media_by_sha(s, new.tenant_id, new.sha256)
        if existing is None:
            return None
        return Recorded(existing, latest_job(s, existing.id), duplicate=True)


def _add(catalog: Catalog, new: NewMedia, max_attempts: int) -> tuple[Media, Job] | None:
    with catalog.session() as s:
        if find_media_by_sha(s, new.tenant_id, new.sha256) is not None:
            return None
        ensure_tenant(s, new.tenant_id)
        media = Media(
            id=new.id,
            tenant_id=new.tenant_id,
            collection=new.collection,
            filename=new.filename,
            bytes=new.bytes,
            sha256=new.sha256,
            source_uri=new.source_uri,
            original_key=new.original_key,
            status=MediaStatus.PENDING.value,
            meta=dict(new.metadata),
        )
        job = Job(
            id=str(ULID()),
            media_id=new.id,
            tenant_id=new.tenant_id,
            type=JobType.INGEST.value,
            status=JobStatus.QUEUED.value,
            max_attempts=max_attempts,
        )
        s.add(media)
        s.flush()
        s.add(job)
    return media, job
