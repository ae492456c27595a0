"""Which originals retention may delete, and the record that it did (``media.original_deleted_at``)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mediasift.catalog.models import Media, utcnow
from mediasift.domain import MediaStatus


class Original(NamedTuple):
    media_id: str
    key: str  # in the object store
    bytes: int


def originals_due(s: Session, cutoff: datetime, limit: int) -> list[Original]:
    """Up to ``limit`` originals of ready media created before ``cutoff`` and not deleted yet."""
    rows = s.execute(
        select(Media.id, Media.original_key, Media.bytes)
        .where(
            Media.status == MediaStatus.READY.value,
            Media.created_at < cutoff,
            Media.original_deleted_at.is_(None),
        )
        .limit(limit)
    )
    return [Original(media_id, key, size or 0) for media_id, key, size in rows]


def mark_original_deleted(s: Session, media_id: str) -> None:
    s.execute(update(Media).where(Media.id == media_id).values(original_deleted_at=utcnow()))


def original_deleted(s: Session, media_id: str) -> bool:
    return s.scalar(select(Media.original_deleted_at).where(Media.id == media_id)) is not None
