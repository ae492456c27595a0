"""Saved searches and their alerts (``services/saved_searches.py``); another tenant's or another
user's saved search is "not found"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from ulid import ULID

from mediasift.catalog.models import Media, SavedSearch, SavedSearchAlert, utcnow
from mediasift.errors import NotFound


def add_saved_search(
    s: Session, tenant_id: str, user_id: str, name: str, query: str, filters: dict[str, Any]
) -> SavedSearch:
    row = SavedSearch(
        id=str(ULID()), tenant_id=tenant_id, user_id=user_id, name=name, query=query, filters=filters,
        created_at=utcnow(),
    )  # fmt: skip
    s.add(row)
    s.flush()
    return row


def count_saved_searches(s: Session, tenant_id: str, user_id: str) -> int:
    q = select(func.count()).where(SavedSearch.tenant_id == tenant_id, SavedSearch.user_id == user_id)
    return s.scalar(q) or 0


def list_saved_searches(s: Session, tenant_id: str, user_id: str) -> list[SavedSearch]:
    """The user's saved searches, newest first."""
    q = select(SavedSearch).where(SavedSearch.tenant_id == tenant_id, SavedSearch.user_id == user_id)
    return list(s.scalars(q.order_by(SavedSearch.id.desc())))


def get_saved_search(s: Session, tenant_id: str, user_id: str, saved_id: str) -> SavedSearch:
    row = s.get(SavedSearch, saved_id)
    if row is None or row.tenant_id != tenant_id or row.user_id != user_id:
        raise NotFound(f"saved search {saved_id} not found")
    return row


def tenant_saved_searches(s: Session, tenant_id: str) -> list[SavedSearch]:
    """Every saved search of the tenant, of every user: what a new media is matched against."""
    return list(s.scalars(select(SavedSearch).where(SavedSearch.tenant_id == tenant_id)))


def add_alert(s: Session, saved: SavedSearch, media_id: str) -> bool:
    """Record that ``media_id`` matched ``saved``; False when it had already (a reprocess or a
    retried job matches again and must not notify twice)."""
    try:
        with s.begin_nested():
            s.add(
                SavedSearchAlert(
                    id=str(ULID()),
                    saved_search_id=saved.id,
                    tenant_id=saved.tenant_id,
                    user_id=saved.user_id,
                    media_id=media_id,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        return False
    return True


def unseen_counts(s: Session, tenant_id: str, user_id: str) -> dict[str, int]:
    """Saved search id → alerts the user has not seen."""
    q = (
        select(SavedSearchAlert.saved_search_id, func.count())
        .where(
            SavedSearchAlert.tenant_id == tenant_id,
            SavedSearchAlert.user_id == user_id,
            SavedSearchAlert.seen_at.is_(None),
        )
        .group_by(SavedSearchAlert.saved_search_id)
    )
    return {saved_id: count for saved_id, count in s.execute(q)}


def alerts(
    s: Session, tenant_id: str, user_id: str, saved_id: str | None = None, limit: int = 100
) -> list[tuple[SavedSearchAlert, str]]:
    """The user's alerts, newest first, each with its media's filename."""
    q = (
        select(SavedSearchAlert, Media.filename)
        .join(Media, Media.id == SavedSearchAlert.media_id)
        .where(SavedSearchAlert.tenant_id == tenant_id, SavedSearchAlert.user_id == user_id)
    )
    if saved_id is not None:
        q = q.where(SavedSearchAlert.saved_search_id == saved_id)
    return [
        (alert, filename)
        for alert, filename in s.execute(q.order_by(SavedSearchAlert.id.desc()).limit(limit))
    ]


def mark_seen(s: Session, tenant_id: str, user_id: str, saved_id: str | None = None) -> int:
    """Mark the user's unseen alerts (of one saved search, or all) seen; returns how many."""
    q = update(SavedSearchAlert).where(
        SavedSearchAlert.tenant_id == tenant_id,
        SavedSearchAlert.user_id == user_id,
        SavedSearchAlert.seen_at.is_(None),
    )
    if saved_id is not None:
        q = q.where(SavedSearchAlert.saved_search_id == saved_id)
    return s.execute(q.values(seen_at=utcnow())).rowcount or 0  # type: ignore[attr-defined]
