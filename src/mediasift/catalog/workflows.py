"""Collections' workflows: every version kept, the highest current (a deleted workflow is a
version without a document)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mediasift.catalog.models import WorkflowRow, utcnow


def current(s: Session, tenant_id: str, collection: str) -> WorkflowRow | None:
    """The collection's latest version (its document null once deleted), or None: never set."""
    q = (
        select(WorkflowRow)
        .where(WorkflowRow.tenant_id == tenant_id, WorkflowRow.collection == collection)
        .order_by(WorkflowRow.version.desc())
        .limit(1)
    )
    return s.scalars(q).first()


def add_version(
    s: Session, tenant_id: str, collection: str, document: dict[str, Any] | None, source: str | None
) -> WorkflowRow:
    """A new version, one above the collection's highest (1 for the first)."""
    highest = s.scalar(
        select(func.max(WorkflowRow.version)).where(
            WorkflowRow.tenant_id == tenant_id, WorkflowRow.collection == collection
        )
    )
    row = WorkflowRow(
        tenant_id=tenant_id,
        collection=collection,
        version=(highest or 0) + 1,
        document=document,
        source=source,
        created_at=utcnow(),
    )
    s.add(row)
    return row


def collections_with_workflows(s: Session, tenant_id: str) -> list[str]:
    q = select(WorkflowRow.collection).where(WorkflowRow.tenant_id == tenant_id).distinct()
    return sorted(s.scalars(q))
