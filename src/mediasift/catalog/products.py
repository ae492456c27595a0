"""A product's media: the tenant's media whose metadata holds one value under one key (sku)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mediasift.catalog.models import Media, MediaEnrichment, SegmentRow


def product_media(s: Session, tenant_id: str, key: str, value: str, limit: int) -> list[Media]:
    """Up to ``limit`` media of the tenant with ``metadata[key] == value`` (compared as text),
    oldest first. A scan of the tenant's media rows: fine for a catalog of thousands per tenant."""
    q = select(Media).where(Media.tenant_id == tenant_id, Media.meta[key].as_string() == value)
    return list(s.scalars(q.order_by(Media.created_at, Media.id).limit(limit)))


def picture_segments(
    s: Session, tenant_id: str, media_ids: Iterable[str], modalities: Iterable[str], per_media: int
) -> list[str]:
    """Ids of the first ``per_media`` picture segments (images, keyframes) of each media."""
    rows = s.execute(
        select(SegmentRow.id, SegmentRow.media_id)
        .where(
            SegmentRow.tenant_id == tenant_id,
            SegmentRow.media_id.in_(list(media_ids)),
            SegmentRow.modality.in_(list(modalities)),
        )
        .order_by(SegmentRow.media_id, SegmentRow.ordinal)
    )
    taken: dict[str, int] = {}
    ids = []
    for segment_id, media_id in rows:
        if taken.get(media_id, 0) < per_media:
            taken[media_id] = taken.get(media_id, 0) + 1
            ids.append(segment_id)
    return ids


def media_labels(s: Session, tenant_id: str, media_ids: Iterable[str]) -> dict[str, list[dict]]:
    """The stored labels (``[{taxonomy, label, score}]``) of each media that has been enriched."""
    rows = s.execute(
        select(MediaEnrichment.media_id, MediaEnrichment.labels).where(
            MediaEnrichment.tenant_id == tenant_id, MediaEnrichment.media_id.in_(list(media_ids))
        )
    )
    return {media_id: list(labels or []) for media_id, labels in rows}
