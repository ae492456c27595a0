"""What reports read: a collection's totals (counted in SQL), its media a page at a time with what
each is about and its latest job, and the keyframes of one media.

A collection of any size is read in pages keyed by media id (a ULID: newest first, stable while
media arrive), so no read holds more than one page of rows; ``segment_labels``, the one column of
an enrichment that grows with the media's length, is never read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from mediasift.catalog.models import Job, Media, MediaEnrichment, SegmentRow
from mediasift.domain import JobStatus, MediaStatus


@dataclass(frozen=True, slots=True)
class CollectionTotals:
    """``by_state``: ``ready``, ``processing`` (pending or being processed), ``dead`` (failed with a
    dead job: out of attempts, or a permanent error) and ``failed`` (any other failure, e.g. cancelled)."""

    media: int
    by_kind: dict[str, int]
    by_state: dict[str, int]
    duration_s: float
    pages: int


@dataclass(slots=True)
class MediaAbout:
    """One media of a collection with its enrichment (empty lists when it has none) and latest job."""

    media: Media
    summary: list[dict[str, Any]] = field(default_factory=list)
    keywords: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    enrichment_error: str | None = None
    job: Job | None = None


@dataclass(frozen=True, slots=True)
class Keyframe:
    segment_id: str
    start_s: float | None
    page: int | None
    frame_key: str  # the object key of its JPEG


def collection_totals(s: Session, tenant_id: str, collection: str) -> CollectionTotals:
    """Counts of the tenant's media in ``collection`` by kind and state, and their summed duration
    (seconds) and pages; ``media == 0`` when the collection is empty or another tenant's."""
    in_collection = (Media.tenant_id == tenant_id, Media.collection == collection)
    by_kind_status = s.execute(
        select(Media.kind, Media.status, func.count(), func.sum(Media.duration_s), func.sum(Media.pages))
        .where(*in_collection)
        .group_by(Media.kind, Media.status)
    ).all()
    dead = s.scalar(
        select(func.count(distinct(Job.media_id)))
        .join(Media, Media.id == Job.media_id)
        .where(*in_collection, Media.status == MediaStatus.FAILED.value, Job.status == JobStatus.DEAD.value)
    )
    by_kind: dict[str, int] = {}
    by_status: dict[str, int] = {}
    duration, pages = 0.0, 0
    for kind, status, count, seconds, page_count in by_kind_status:
        by_kind[kind or "unknown"] = by_kind.get(kind or "unknown", 0) + count
        by_status[status] = by_status.get(status, 0) + count
        duration += seconds or 0.0
        pages += page_count or 0
    failed = by_status.get(MediaStatus.FAILED.value, 0)
    by_state = {
        "ready": by_status.get(MediaStatus.READY.value, 0),
        "processing": by_status.get(MediaStatus.PENDING.value, 0)
        + by_status.get(MediaStatus.PROCESSING.value, 0),
        "dead": dead or 0,
        "failed": failed - (dead or 0),
    }
    return CollectionTotals(sum(by_status.values()), dict(sorted(by_kind.items())), by_state, duration, pages)


def collection_media_page(
    s: Session, tenant_id: str, collection: str, *, before_id: str | None, limit: int
) -> list[MediaAbout]:
    """Up to ``limit`` of the collection's media, newest first, with ids below ``before_id`` (the
    last id of the previous page; None for the first page)."""
    q = (
        select(
            Media,
            MediaEnrichment.summary,
            MediaEnrichment.keywords,
            MediaEnrichment.entities,
            MediaEnrichment.labels,
            MediaEnrichment.languages,
            MediaEnrichment.error,
        )
        .outerjoin(MediaEnrichment, MediaEnrichment.media_id == Media.id)
        .where(Media.tenant_id == tenant_id, Media.collection == collection)
    )
    if before_id is not None:
        q = q.where(Media.id < before_id)
    rows = s.execute(q.order_by(Media.id.desc()).limit(limit)).all()
    page = [
        MediaAbout(m, summary or [], keywords or [], entities or [], labels or [], languages or [], error)
        for m, summary, keywords, entities, labels, languages, error in rows
    ]
    jobs = latest_jobs(s, [item.media.id for item in page])
    for item in page:
        item.job = jobs.get(item.media.id)
    return page


def latest_jobs(s: Session, media_ids: Iterable[str]) -> dict[str, Job]:
    """Each media's most recent job (any type), by media id."""
    ids = list(media_ids)
    if not ids:
        return {}
    found: dict[str, Job] = {}
    for job in s.scalars(select(Job).where(Job.media_id.in_(ids)).order_by(Job.created_at, Job.id)):
        found[job.media_id] = job  # later jobs replace earlier ones
    return found


def keyframes(s: Session, tenant_id: str, media_id: str) -> list[Keyframe]:
    """The media's pictures (keyframes, an image's own picture), one per ``frame_key``, in media order."""
    q = select(SegmentRow.id, SegmentRow.start_s, SegmentRow.page, SegmentRow.frame_key).where(
        SegmentRow.tenant_id == tenant_id, SegmentRow.media_id == media_id, SegmentRow.frame_key.is_not(None)
    )
    seen: set[str] = set()
    out = []
    for segment_id, start_s, page, frame_key in s.execute(q.order_by(SegmentRow.ordinal)):
        if frame_key and frame_key not in seen:
            seen.add(frame_key)
            out.append(Keyframe(segment_id, start_s, page, frame_key))
    return out
