"""A user's signals and searches (``services/feedback.py``): the feedback log and search history."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from ulid import ULID

from mediasift.catalog.models import Feedback, Media, SearchHistory, utcnow

MAX_HISTORY = 1000  # searches kept per user; older ones are forgotten as new ones arrive


def add_feedback(
    s: Session,
    tenant_id: str,
    user_id: str,
    media_id: str,
    signal: str,
    value: float | None,
    segment_id: str | None,
) -> Feedback:
    row = Feedback(
        id=str(ULID()),
        tenant_id=tenant_id,
        user_id=user_id,
        media_id=media_id,
        segment_id=segment_id,
        signal=signal,
        value=value,
        created_at=utcnow(),
    )
    s.add(row)
    return row


def user_feedback(s: Session, tenant_id: str, user_id: str, limit: int = 500) -> list[Feedback]:
    """The user's latest signals, newest first."""
    q = select(Feedback).where(Feedback.tenant_id == tenant_id, Feedback.user_id == user_id)
    return list(s.scalars(q.order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit)))


def media_with_signal(s: Session, tenant_id: str, user_id: str, signals: Iterable[str]) -> set[str]:
    """Media the user gave any of ``signals``."""
    q = select(Feedback.media_id).where(
        Feedback.tenant_id == tenant_id, Feedback.user_id == user_id, Feedback.signal.in_(list(signals))
    )
    return set(s.scalars(q.distinct()))


def hidden_media(s: Session, tenant_id: str, user_id: str) -> set[str]:
    """Media the user hid and has not liked or played since: a like after "Less like this" takes
    it back."""
    q = (
        select(Feedback.media_id, Feedback.signal)
        .where(
            Feedback.tenant_id == tenant_id,
            Feedback.user_id == user_id,
            Feedback.signal.in_(["hide", "like", "play"]),
        )
        .order_by(Feedback.created_at, Feedback.id)
    )
    latest = {media_id: signal for media_id, signal in s.execute(q)}
    return {media_id for media_id, signal in latest.items() if signal == "hide"}


def media_signals(s: Session, tenant_id: str, user_id: str, media_id: str) -> list[Feedback]:
    """The user's signals about one media, newest first."""
    q = select(Feedback).where(
        Feedback.tenant_id == tenant_id, Feedback.user_id == user_id, Feedback.media_id == media_id
    )
    return list(s.scalars(q.order_by(Feedback.created_at.desc(), Feedback.id.desc())))


def finished_media(s: Session, tenant_id: str, user_id: str, fraction: float) -> set[str]:
    """Media the user played at least ``fraction`` of (a ``play`` signal's seconds against the
    media's duration): what they finished."""
    q = (
        select(Feedback.media_id)
        .join(Media, Media.id == Feedback.media_id)
        .where(
            Feedback.tenant_id == tenant_id,
            Feedback.user_id == user_id,
            Feedback.signal == "play",
            Media.duration_s.is_not(None),
            Media.duration_s > 0,
            Feedback.value >= Media.duration_s * fraction,
        )
    )
    return set(s.scalars(q.distinct()))


def add_search(s: Session, tenant_id: str, user_id: str, query: str) -> None:
    s.add(
        SearchHistory(id=str(ULID()), tenant_id=tenant_id, user_id=user_id, query=query, created_at=utcnow())
    )
    s.flush()
    kept = (
        select(SearchHistory.id)
        .where(SearchHistory.tenant_id == tenant_id, SearchHistory.user_id == user_id)
        .order_by(SearchHistory.id.desc())
        .limit(MAX_HISTORY)
    )
    s.execute(
        delete(SearchHistory).where(
            SearchHistory.tenant_id == tenant_id,
            SearchHistory.user_id == user_id,
            SearchHistory.id.not_in(kept.scalar_subquery()),
        )
    )


def search_history(s: Session, tenant_id: str, user_id: str, limit: int = 50) -> list[SearchHistory]:
    """The user's latest searches, newest first."""
    q = select(SearchHistory).where(SearchHistory.tenant_id == tenant_id, SearchHistory.user_id == user_id)
    return list(s.scalars(q.order_by(SearchHistory.id.desc()).limit(limit)))
