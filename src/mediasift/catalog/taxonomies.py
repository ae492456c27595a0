"""A tenant's taxonomies, stored as the validated documents of ``PUT /v1/taxonomies/{name}``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mediasift.catalog.models import TaxonomyRow, utcnow
from mediasift.errors import NotFound


def put_taxonomy(s: Session, tenant_id: str, name: str, document: dict[str, Any]) -> tuple[TaxonomyRow, bool]:
    """Create or replace a taxonomy; True when it was created."""
    row = s.get(TaxonomyRow, (tenant_id, name))
    created = row is None
    if row is None:
        row = TaxonomyRow(tenant_id=tenant_id, name=name, created_at=utcnow())
        s.add(row)
    row.document, row.updated_at = document, utcnow()
    return row, created


def list_taxonomies(s: Session, tenant_id: str) -> list[TaxonomyRow]:
    """The tenant's taxonomies, by name."""
    q = select(TaxonomyRow).where(TaxonomyRow.tenant_id == tenant_id)
    return list(s.scalars(q.order_by(TaxonomyRow.name)))


def get_taxonomy(s: Session, tenant_id: str, name: str) -> TaxonomyRow:
    row = s.get(TaxonomyRow, (tenant_id, name))
    if row is None:
        raise NotFound(f"taxonomy {name!r} not found")
    return row


def delete_taxonomy(s: Session, tenant_id: str, name: str) -> None:
    s.delete(get_taxonomy(s, tenant_id, name))
