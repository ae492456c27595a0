"""Users' profiles (``services/profiles.py`` folds signals into them) and the media vectors they
are made of."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mediasift.catalog.models import Media, MediaEnrichment, MediaVector, SegmentRow, UserProfile


def get_profile(s: Session, tenant_id: str, user_id: str) -> UserProfile | None:
    return s.get(UserProfile, (tenant_id, user_id))


def profile_for_update(s: Session, tenant_id: str, user_id: str) -> UserProfile:
    """The user's profile row, locked until the session ends (PostgreSQL: two signals of one user
    arriving together fold one after the other instead of one overwriting the other); created
    empty when new."""
    row = s.scalars(
        select(UserProfile)
        .where(UserProfile.tenant_id == tenant_id, UserProfile.user_id == user_id)
        .with_for_update()
    ).first()
    if row is None:
        row = UserProfile(
            tenant_id=tenant_id, user_id=user_id, collections={}, labels={}, events=0, updated_at_s=0.0
        )
        s.add(row)
    return row


class VectorState(NamedTuple):
    """A media's last change and its stored vector's row, if any (``model_id`` None: none stored)."""

    updated_at: datetime
    model_id: str | None
    vector: bytes | None
    media_updated_at: datetime | None


def media_vector_states(s: Session, tenant_id: str, media_ids: Iterable[str]) -> dict[str, VectorState]:
    """The tenant's media among ``media_ids``, each with its stored vector's row: one query of the
    columns a search needs (the media's ORM rows, JSON columns and all, cost several times more)."""
    ids = list(set(media_ids))
    if not ids:
        return {}
    q = (
        select(
            Media.id,
            Media.tenant_id,
            Media.updated_at,
            MediaVector.model_id,
            MediaVector.vector,
            MediaVector.media_updated_at,
        )
        .outerjoin(MediaVector, MediaVector.media_id == Media.id)
        .where(Media.id.in_(ids))
    )
    # By primary key, the tenant checked on the rows (``catalog/hits.py`` says why).
    return {row[0]: VectorState(*row[2:]) for row in s.execute(q) if row[1] == tenant_id}


def save_media_vector(
    s: Session, tenant_id: str, media_id: str, model_id: str, vector: bytes | None, media_updated_at: datetime
) -> None:
    """Store the media's vector; a process that stored it meanwhile wins (the same value)."""
    row = s.get(MediaVector, media_id)
    if row is not None:
        row.model_id, row.vector, row.media_updated_at = model_id, vector, media_updated_at
        return
    try:
        with s.begin_nested():
            s.add(
                MediaVector(
                    media_id=media_id,
                    tenant_id=tenant_id,
                    model_id=model_id,
                    vector=vector,
                    media_updated_at=media_updated_at,
                )
            )
    except IntegrityError:
        pass


def leading_texts(
    s: Session, tenant_id: str, media_ids: Iterable[str], modalities: Iterable[str], per_media: int
) -> dict[str, list[tuple[str, dict]]]:
    """Each media's first ``per_media`` segments of ``modalities`` as ``(text, meta)``, in order."""
    ids = list(set(media_ids))
    if not ids:
        return {}
    position = (
        func.row_number().over(partition_by=SegmentRow.media_id, order_by=(SegmentRow.ordinal, SegmentRow.id))
    ).label("position")
    ranked = (
        select(SegmentRow.media_id, SegmentRow.text, SegmentRow.meta, position)
        .where(
            SegmentRow.tenant_id == tenant_id,
            SegmentRow.media_id.in_(ids),
            SegmentRow.modality.in_(list(modalities)),
            SegmentRow.text != "",
        )
        .subquery()
    )
    rows = s.execute(
        select(ranked.c.media_id, ranked.c.text, ranked.c.meta)
        .where(ranked.c.position <= per_media)
        .order_by(ranked.c.media_id, ranked.c.position)
    )
    found: dict[str, list[tuple[str, dict]]] = {}
    for media_id, text, meta in rows:
        found.setdefault(media_id, []).append((text, meta or {}))
    return found


def media_labels(s: Session, tenant_id: str, media_ids: Iterable[str]) -> dict[str, list[str]]:
    """Each media's labels as ``taxonomy:label`` (media never enriched are left out)."""
    ids = list(set(media_ids))
    if not ids:
        return {}
    q = select(MediaEnrichment.media_id, MediaEnrichment.labels).where(
        MediaEnrichment.tenant_id == tenant_id, MediaEnrichment.media_id.in_(ids)
    )
    return {
        media_id: [f"{x['taxonomy']}:{x['label']}" for x in labels or []] for media_id, labels in s.execute(q)
    }
