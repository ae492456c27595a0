"""Direct uploads (``DirectUpload`` rows): recorded when a client asks where to send its bytes,
finished when the bytes are in and their media exists. Every read is tenant-scoped; another
tenant's upload is not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mediasift.catalog.db import Catalog
from mediasift.catalog.models import DirectUpload, Job, Media, utcnow
from mediasift.errors import NotFound

PENDING, COMPLETED, ABORTED, FAILED = "pending", "completed", "aborted", "failed"


@dataclass(frozen=True, slots=True)
class UploadState:
    """An upload as the API shows it: the row, and its media and job once they exist."""

    upload: DirectUpload
    media: Media | None
    job: Job | None


def add(catalog: Catalog, upload: DirectUpload) -> DirectUpload:
    with catalog.session() as s:
        s.add(upload)
        s.flush()
        s.expunge(upload)
    return upload


def get(catalog: Catalog, tenant_id: str | None, upload_id: str) -> UploadState:
    """The upload (any tenant's when ``tenant_id`` is None: bucket events name their own)."""
    with catalog.session() as s:
        upload = s.get(DirectUpload, upload_id)
        if upload is None or (tenant_id is not None and upload.tenant_id != tenant_id):
            raise NotFound(f"upload {upload_id} not found")
        media = s.get(Media, upload.media_id) if upload.media_id else None
        job = s.get(Job, upload.job_id) if upload.job_id else None
        for row in (upload, media, job):
            if row is not None:
                s.expunge(row)
        return UploadState(upload, media, job)


def finish(catalog: Catalog, upload_id: str, status: str, **values: Any) -> bool:
    """Move a pending upload to ``status`` with ``values``; False when it was no longer pending
    (a redelivered event, or an abort racing the bytes): the first to finish it wins."""
    with catalog.session() as s:
        upload = s.get(DirectUpload, upload_id, with_for_update=True)
        if upload is None or upload.status != PENDING:
            return False
        upload.status = status
        upload.finished_at = utcnow()
        for name, value in values.items():
            setattr(upload, name, value)
    return True


def expired(upload: DirectUpload, now: datetime | None = None) -> bool:
    return (now or utcnow()) > upload.expires_at
