"""Media enrichment rows: one per media, replaced each time the media is enriched again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mediasift.catalog.models import MediaEnrichment, utcnow

FIELDS = ("summary", "keywords", "entities", "labels", "segment_labels", "languages", "notes", "models")


def get_enrichment(s: Session, tenant_id: str, media_id: str) -> MediaEnrichment | None:
    """The media's enrichment, or None when it has never been enriched (or is another tenant's)."""
    row = s.get(MediaEnrichment, media_id)
    return row if row is not None and row.tenant_id == tenant_id else None


def save_enrichment(s: Session, tenant_id: str, media_id: str, record: dict[str, Any]) -> MediaEnrichment:
    """Replace the media's enrichment with ``record`` (the ``FIELDS``; missing ones are empty)."""
    row = s.get(MediaEnrichment, media_id)
    if row is None:
        row = MediaEnrichment(media_id=media_id, tenant_id=tenant_id)
        s.add(row)
    for name in FIELDS:
        setattr(row, name, record.get(name) or ({} if name == "segment_labels" else []))
    row.error, row.updated_at = None, utcnow()
    return row


def save_enrichment_error(s: Session, tenant_id: str, media_id: str, error: str) -> MediaEnrichment:
    """Record that the media's enrichment failed: it has none until it is enriched again."""
    row = save_enrichment(s, tenant_id, media_id, {})
    row.error = error
    return row


def save_labels(
    s: Session, tenant_id: str, media_id: str, labels: list[dict[str, Any]], segment_labels: dict[str, Any]
) -> MediaEnrichment:
    """Replace only the media's labels (a relabel keeps its entities, keywords and summary)."""
    row = get_enrichment(s, tenant_id, media_id) or save_enrichment(s, tenant_id, media_id, {})
    row.labels, row.segment_labels, row.updated_at = labels, segment_labels, utcnow()
    return row


def delete_enrichment(s: Session, media_id: str) -> None:
    s.execute(delete(MediaEnrichment).where(MediaEnrichment.media_id == media_id))


def save_fields(s: Session, tenant_id: str, media_id: str, values: dict[str, Any]) -> MediaEnrichment:
    """Replace only the given ``FIELDS`` of the media's enrichment (a workflow's enrich step keeps
    the labels its classify steps write, and they keep its entities), locking the row meanwhile."""
    row = s.scalars(
        select(MediaEnrichment).where(MediaEnrichment.media_id == media_id).with_for_update()
    ).first()
    if row is None or row.tenant_id != tenant_id:
        row = save_enrichment(s, tenant_id, media_id, {})
    for name, value in values.items():
        if name not in FIELDS:
            raise ValueError(f"not an enrichment field: {name}")
        setattr(row, name, value)
    row.error, row.updated_at = None, utcnow()
    return row
