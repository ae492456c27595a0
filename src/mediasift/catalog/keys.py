"""API keys as the catalog stores them: a peppered hash, never the secret (``services/auth.py``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mediasift.catalog.models import ApiKey, utcnow
from mediasift.catalog.repo import ensure_tenant
from mediasift.errors import NotFound


def add_key(
    s: Session,
    key_id: str,
    tenant_id: str,
    key_hash: str,
    scopes: list[str],
    name: str | None,
    user_id: str | None = None,
) -> ApiKey:
    """Store a new key of ``tenant_id`` (created if new), of one user of it or none; ``scopes``
    and ``user_id`` already validated."""
    ensure_tenant(s, tenant_id)
    row = ApiKey(
        id=key_id,
        tenant_id=tenant_id,
        hash=key_hash,
        scopes=",".join(scopes),
        name=name,
        created_at=utcnow(),
        user_id=user_id,
    )
    s.add(row)
    return row


def list_keys(s: Session, tenant_id: str | None = None) -> list[ApiKey]:
    """Keys of one tenant (or all), newest first, revoked ones included."""
    q = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if tenant_id is not None:
        q = q.where(ApiKey.tenant_id == tenant_id)
    return list(s.scalars(q))


def revoke_key(s: Session, key_id: str, tenant_id: str | None = None) -> ApiKey:
    """Revoke a key (idempotent: the first revocation time stays); with tenant_id, another
    tenant's key is reported as not found."""
    row = s.get(ApiKey, key_id)
    if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
        raise NotFound(f"key {key_id} not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def any_key(s: Session) -> bool:
    """True when any key exists, revoked or not."""
    return s.scalar(select(ApiKey.id).limit(1)) is not None


def key_by_hash(s: Session, key_hash: str) -> ApiKey | None:
    return s.scalars(select(ApiKey).where(ApiKey.hash == key_hash)).first()
