"""A media's stored quality assessment (the ``media.quality`` JSON column)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mediasift.catalog.repo import get_media, touch


def save_quality(s: Session, tenant_id: str, media_id: str, quality: dict[str, Any] | None) -> None:
    """Record (or, with ``None``, clear) the media's quality object."""
    media = get_media(s, tenant_id, media_id)
    media.quality = quality
    touch(media)


def get_quality(s: Session, tenant_id: str, media_id: str) -> dict[str, Any] | None:
    return get_media(s, tenant_id, media_id).quality
