"""Saved searches and their alerts: a user saves a query with filters; each media ingested after
that which matches it raises an alert (a badge in the web UI) and the ``saved_search.matched``
webhook event.

"Matches" is the keyword search of the saved query over the new media with the saved filters: the
media holds at least one of the query's words (stemmed, as search matches them) and passes every
filter. A media is matched once per saved search, however often it is reprocessed or its job
retried.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mediasift.catalog import repo
from mediasift.catalog import saved_searches as rows
from mediasift.domain import Filters
from mediasift.errors import InvalidRequest
from mediasift.jobs import notify
from mediasift.services import search as search_service

if TYPE_CHECKING:
    from mediasift.catalog.models import SavedSearch
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.saved_searches")

EVENT = "saved_search.matched"
MAX_PER_USER = 100
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Saved:
    id: str
    name: str
    query: str
    filters: dict[str, Any]
    created_at: datetime
    unseen: int


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    saved_search_id: str
    media_id: str
    filename: str
    created_at: datetime
    seen: bool


def create(
    rt: Runtime, tenant_id: str, user_id: str, query: str, filters: Filters | None, name: str | None = None
) -> Saved:
    """Save ``query`` with ``filters`` (as written; validated as a search validates them)."""
    query = query.strip()
    if not query or len(query) > MAX_QUERY_CHARS:
        raise InvalidRequest(f"a saved search needs a query of 1-{MAX_QUERY_CHARS} characters")
    stored = {k: v for k, v in _as_dict(filters).items() if v is not None}
    if filters is not None:
        search_service.normalize_filters(filters)  # a bad label or date is refused now, not at ingest
    with rt.catalog.session() as s:
        if rows.count_saved_searches(s, tenant_id, user_id) >= MAX_PER_USER:
            raise InvalidRequest(f"a user may save at most {MAX_PER_USER} searches")
        row = rows.add_saved_search(s, tenant_id, user_id, (name or query)[:200], query, stored)
        return _saved(row, 0)


def list_saved(rt: Runtime, tenant_id: str, user_id: str) -> list[Saved]:
    with rt.catalog.read_session() as s:
        unseen = rows.unseen_counts(s, tenant_id, user_id)
        return [_saved(r, unseen.get(r.id, 0)) for r in rows.list_saved_searches(s, tenant_id, user_id)]


def get(rt: Runtime, tenant_id: str, user_id: str, saved_id: str) -> Saved:
    with rt.catalog.read_session() as s:
        row = rows.get_saved_search(s, tenant_id, user_id, saved_id)
        return _saved(row, rows.unseen_counts(s, tenant_id, user_id).get(saved_id, 0))


def update(
    rt: Runtime,
    tenant_id: str,
    user_id: str,
    saved_id: str,
    *,
    query: str | None = None,
    filters: Filters | None = None,
    name: str | None = None,
) -> Saved:
    """Change a saved search's query, filters or name (those given)."""
    if query is not None and not 0 < len(query.strip()) <= MAX_QUERY_CHARS:
        raise InvalidRequest(f"a saved search needs a query of 1-{MAX_QUERY_CHARS} characters")
    if filters is not None:
        search_service.normalize_filters(filters)
    with rt.catalog.session() as s:
        row = rows.get_saved_search(s, tenant_id, user_id, saved_id)
        if query is not None:
            row.query = query.strip()
        if filters is not None:
            row.filters = {k: v for k, v in _as_dict(filters).items() if v is not None}
        if name is not None:
            row.name = name[:200]
        return _saved(row, rows.unseen_counts(s, tenant_id, user_id).get(saved_id, 0))


def delete(rt: Runtime, tenant_id: str, user_id: str, saved_id: str) -> None:
    with rt.catalog.session() as s:
        s.delete(rows.get_saved_search(s, tenant_id, user_id, saved_id))


def alerts(rt: Runtime, tenant_id: str, user_id: str, saved_id: str | None = None) -> list[Alert]:
    """The user's alerts (of one saved search, or all), newest first."""
    with rt.catalog.read_session() as s:
        if saved_id is not None:
            rows.get_saved_search(s, tenant_id, user_id, saved_id)
        return [
            Alert(a.id, a.saved_search_id, a.media_id, filename, a.created_at, a.seen_at is not None)
            for a, filename in rows.alerts(s, tenant_id, user_id, saved_id)
        ]


def mark_seen(rt: Runtime, tenant_id: str, user_id: str, saved_id: str | None = None) -> int:
    with rt.catalog.session() as s:
        if saved_id is not None:
            rows.get_saved_search(s, tenant_id, user_id, saved_id)
        return rows.mark_seen(s, tenant_id, user_id, saved_id)


def after_ingest(rt: Runtime, tenant_id: str, media_id: str) -> int:
    """Match a media just made ready against the tenant's saved searches saved before it was added;
    record an alert and queue the webhook event for each match. Returns the matches. Never raises:
    a failed alert must not fail the ingest."""
    try:
        return _match(rt, tenant_id, media_id)
    except Exception:
        log.exception("could not match media %s against saved searches", media_id)
        return 0


def _match(rt: Runtime, tenant_id: str, media_id: str) -> int:
    with rt.catalog.read_session() as s:
        saved = rows.tenant_saved_searches(s, tenant_id)
        if not saved:
            return 0
        media = repo.get_media(s, tenant_id, media_id)
        added, filename = media.created_at, media.filename
    matched = 0
    for entry in saved:
        if entry.created_at > added:
            continue
        filters = replace(Filters(**entry.filters), media_ids=[media_id])
        if not search_service.search(rt, tenant_id, entry.query, filters=filters, limit=1, mode="keyword"):
            continue
        with rt.catalog.session() as s:
            fresh = rows.add_alert(s, entry, media_id)
        if fresh:
            matched += 1
            notify.publish(
                rt,
                tenant_id,
                EVENT,
                {
                    "tenant": tenant_id,
                    "user": entry.user_id,
                    "saved_search_id": entry.id,
                    "name": entry.name,
                    "query": entry.query,
                    "media_id": media_id,
                    "filename": filename,
                },
            )
    return matched


def _as_dict(filters: Filters | None) -> dict[str, Any]:
    return asdict(filters) if filters is not None else {}


def _saved(row: SavedSearch, unseen: int) -> Saved:
    return Saved(row.id, row.name, row.query, dict(row.filters or {}), row.created_at, unseen)
