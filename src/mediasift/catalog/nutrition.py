"""Nutrition rows: one per analysed media (results as analysed, the user's corrections beside
them), the nutrition jobs of a media, and the food table's name vectors (by model and text hash).

Every read a user can reach is tenant-scoped; the name vectors are public reference data, shared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mediasift.catalog.models import FoodNameVector, Job, Media, MediaNutrition, utcnow
from mediasift.domain import JobStatus, JobType

READY = "ready"
FAILED = "failed"
IN_FLIGHT = (JobStatus.QUEUED.value, JobStatus.RUNNING.value, JobStatus.FAILED.value)


def get_nutrition(s: Session, tenant_id: str, media_id: str) -> MediaNutrition | None:
    """The media's nutrition row, or None (never analysed, or another tenant's)."""
    row = s.get(MediaNutrition, media_id)
    return row if row is not None and row.tenant_id == tenant_id else None


def save_results(
    s: Session, tenant_id: str, media_id: str, results: dict[str, Any], model_versions: dict[str, Any]
) -> MediaNutrition:
    """Replace the media's results with a fresh analysis; its corrections stay."""
    row = s.get(MediaNutrition, media_id)
    if row is None:
        row = MediaNutrition(media_id=media_id, tenant_id=tenant_id, corrections={})
        s.add(row)
    row.status, row.results, row.model_versions = READY, results, model_versions
    row.error, row.analysed_at, row.updated_at = None, utcnow(), utcnow()
    return row


def record_failure(s: Session, tenant_id: str, media_id: str, error: str) -> MediaNutrition:
    """An analysis died: a media analysed before keeps its results (with ``error`` set); one
    never analysed gets a ``failed`` row with no results."""
    row = s.get(MediaNutrition, media_id)
    if row is None:
        row = MediaNutrition(
            media_id=media_id,
            tenant_id=tenant_id,
            status=FAILED,
            results={},
            corrections={},
            model_versions={},
        )
        s.add(row)
    row.error, row.updated_at = error, utcnow()
    return row


def save_corrections(row: MediaNutrition, corrections: dict[str, Any]) -> None:
    row.corrections, row.updated_at = corrections, utcnow()


def delete_nutrition(s: Session, media_id: str) -> None:
    s.execute(delete(MediaNutrition).where(MediaNutrition.media_id == media_id))


def analysed_media(
    s: Session,
    tenant_id: str,
    *,
    media_ids: Sequence[str] | None = None,
    collections: Sequence[str] | None = None,
    limit: int = 200,
) -> list[tuple[MediaNutrition, Media]]:
    """The tenant's media with results (optionally only these media or collections), newest
    analysis first."""
    q = (
        select(MediaNutrition, Media)
        .join(Media, Media.id == MediaNutrition.media_id)
        .where(MediaNutrition.tenant_id == tenant_id, Media.tenant_id == tenant_id)
        .where(MediaNutrition.status == READY)
    )
    if media_ids:
        q = q.where(Media.id.in_(list(media_ids)))
    if collections:
        q = q.where(Media.collection.in_(list(collections)))
    q = q.order_by(MediaNutrition.analysed_at.desc(), Media.id).limit(limit)
    return [(row, media) for row, media in s.execute(q).all()]


def has_analysed_media(s: Session, tenant_id: str) -> bool:
    q = select(MediaNutrition.media_id).where(
        MediaNutrition.tenant_id == tenant_id, MediaNutrition.status == READY
    )
    return s.scalar(q.limit(1)) is not None


def latest_job(s: Session, media_id: str, job_type: JobType = JobType.NUTRITION) -> Job | None:
    """The media's newest job of ``job_type``."""
    q = select(Job).where(Job.media_id == media_id, Job.type == job_type.value)
    return s.scalar(q.order_by(Job.created_at.desc(), Job.id.desc()).limit(1))


def job_in_flight(s: Session, media_id: str, job_types: Iterable[JobType]) -> Job | None:
    """A job of the media of one of ``job_types`` that is queued, running or waiting to retry."""
    q = select(Job).where(
        Job.media_id == media_id,
        Job.type.in_([t.value for t in job_types]),
        Job.status.in_(IN_FLIGHT),
    )
    return s.scalar(q.order_by(Job.created_at.desc(), Job.id.desc()).limit(1))


def name_vectors(s: Session, model_id: str, hashes: Sequence[str]) -> dict[str, bytes]:
    """Stored vectors of these text hashes for ``model_id`` (those stored; the rest are missing)."""
    found: dict[str, bytes] = {}
    for start in range(0, len(hashes), 500):  # bounded IN lists
        batch = list(hashes[start : start + 500])
        q = select(FoodNameVector.text_sha256, FoodNameVector.vector).where(
            FoodNameVector.model_id == model_id, FoodNameVector.text_sha256.in_(batch)
        )
        found.update({sha: bytes(vector) for sha, vector in s.execute(q).all()})
    return found


def save_name_vectors(s: Session, model_id: str, vectors: Iterable[tuple[str, bytes]]) -> None:
    """Store vectors by text hash; those already stored are kept (another worker embedding the
    same names at the same time stored the same vectors)."""
    try:
        with s.begin_nested():
            for sha, vector in vectors:
                if s.get(FoodNameVector, (model_id, sha)) is None:
                    s.add(FoodNameVector(model_id=model_id, text_sha256=sha, vector=vector))
    except IntegrityError:
        pass
