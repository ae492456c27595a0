"""Repository functions over a ``Session``. Every read that a user can reach is tenant-scoped."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from mediasift.catalog.models import (
    Conversion,
    Job,
    Media,
    MediaEnrichment,
    MediaNutrition,
    SegmentRow,
    Tenant,
    utcnow,
)
from mediasift.catalog.paging import Cursor, below
from mediasift.catalog.sources import SOURCE_PREFIX, file_uri_forms
from mediasift.domain import JobStatus, JobType, MediaStatus, Segment
from mediasift.errors import NotFound


def ensure_tenant(s: Session, tenant_id: str) -> Tenant:
    tenant = s.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(id=tenant_id, name=tenant_id)
        s.add(tenant)
        s.flush()
    return tenant


def get_media(s: Session, tenant_id: str, media_id: str) -> Media:
    media = s.get(Media, media_id)
    if media is None or media.tenant_id != tenant_id:
        raise NotFound(f"media {media_id} not found")
    return media


def find_media_by_sha(s: Session, tenant_id: str, sha256: str) -> Media | None:
    return s.scalars(select(Media).where(Media.tenant_id == tenant_id, Media.sha256 == sha256)).first()


def list_media(
    s: Session,
    tenant_id: str,
    *,
    status: str | None = None,
    kind: str | None = None,
    collection: str | None = None,
    source_prefix: str | None = None,
    limit: int = 100,
    offset: int = 0,
    cursor: Cursor | None = None,
) -> list[Media]:
    """``source_prefix``: only media whose source (``catalog/sources.py``, as the API shows it)
    starts with it; ``cursor``: below that row (``catalog/paging.py``)."""
    q = below(select(Media).where(Media.tenant_id == tenant_id), Media, cursor)
    if source_prefix:
        named = [SOURCE_PREFIX + form for form in file_uri_forms(source_prefix)]
        if source_prefix.startswith("s3://"):
            named.append(source_prefix)
        # not LIKE: SQLite's ignores case, and a path's does not
        q = q.where(or_(*(func.substr(Media.source_uri, 1, len(p)) == p for p in named)))
    if status:
        q = q.where(Media.status == status)
    if kind:
        q = q.where(Media.kind == kind)
    if collection:
        q = q.where(Media.collection == collection)
    return list(s.scalars(q.order_by(Media.created_at.desc(), Media.id.desc()).limit(limit).offset(offset)))


def newest_original_keys(s: Session, limit: int) -> list[str]:
    """The store keys of the newest media's originals (every tenant's), those retention kept."""
    q = select(Media.original_key).where(Media.original_deleted_at.is_(None))
    return list(s.scalars(q.order_by(Media.created_at.desc(), Media.id.desc()).limit(limit)))


def ready_media(s: Session, tenant_id: str | None = None) -> list[tuple[str, str]]:
    """``(media_id, tenant_id)`` of every ready media (of one tenant, or all), by id."""
    q = select(Media.id, Media.tenant_id).where(Media.status == MediaStatus.READY.value)
    if tenant_id is not None:
        q = q.where(Media.tenant_id == tenant_id)
    return [(media_id, tenant) for media_id, tenant in s.execute(q.order_by(Media.id))]


def other_images(s: Session, media: Media) -> list[tuple[str, str, dict[str, Any]]]:
    """``(media_id, filename, metadata)`` of the tenant's other images."""
    rows = s.execute(
        select(Media.id, Media.filename, Media.meta).where(
            Media.tenant_id == media.tenant_id, Media.kind == "image", Media.id != media.id
        )
    )
    return [(media_id, filename, meta or {}) for media_id, filename, meta in rows]


def media_by_ids(s: Session, tenant_id: str, ids: Iterable[str]) -> dict[str, Media]:
    ids = list(set(ids))
    if not ids:
        return {}
    # By primary key, the tenant checked on the rows (``catalog/hits.py`` says why).
    rows = s.scalars(select(Media).where(Media.id.in_(ids)))
    return {m.id: m for m in rows if m.tenant_id == tenant_id}


def latest_job(s: Session, media_id: str, types: Sequence[JobType] | None = None) -> Job | None:
    """The media's newest job that processes it (a conversion's job is the conversion's own), or
    of one of ``types``."""
    q = select(Job).where(Job.media_id == media_id, Job.type != JobType.CONVERT.value)
    if types is not None:
        q = q.where(Job.type.in_([t.value for t in types]))
    return s.scalars(q.order_by(Job.created_at.desc())).first()


def dead_job_ids(s: Session, media_id: str) -> list[str]:
    return list(s.scalars(select(Job.id).where(Job.media_id == media_id, Job.status == JobStatus.DEAD.value)))


_SEGMENTS = cast(Table, SegmentRow.__table__)
# Built once: a DELETE built per call cost ~140 us of SQLAlchemy's statement building and cache
# keying, against ~45 us for this one (5,000 media a build in bench.peer_search; PostgreSQL's path).
_DELETE_SEGMENTS = delete(_SEGMENTS).where(_SEGMENTS.c.media_id == bindparam("media_id"))
_INSERT_SEGMENTS = insert(_SEGMENTS)
# Every column of ``segment``, in the order ``_segment_rows`` writes them.
SEGMENT_COLUMNS = (
    "id", "media_id", "tenant_id", "modality", "text", "start_s", "end_s", "page", "frame_key",
    "language", "confidence", "meta", "ordinal", "sentence_vectors",
)  # fmt: skip
_SQLITE_DELETE_SEGMENTS = "DELETE FROM segment WHERE media_id = ?"
_SQLITE_INSERT_SEGMENTS = (
    f"INSERT INTO segment ({', '.join(SEGMENT_COLUMNS)}) VALUES ({', '.join('?' * len(SEGMENT_COLUMNS))})"
)


def replace_segments(s: Session, media: Media, segments: Sequence[Segment]) -> None:
    """Swap a media's segments in one transaction: a re-run replaces, never duplicates. The new
    rows are written, not loaded: the session holds no ``SegmentRow`` objects for them (nor must
    it hold old ones of this media: they are deleted on its connection, behind its back)."""
    # Nothing reads the rows back in this transaction, so no ORM objects: an object a row made
    # bench.peer_search's catalog step (500 media, 2,000 segments) take 0.8 s instead of 0.5 s.
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        # The embedded catalog runs in this process, so SQLAlchemy's own work was most of a
        # swap's cost: its Core statements took ~470 us a media of four rows, sqlite3's cursor
        # ~200 (1,000 media, five rounds, loaded machine). Same connection, same transaction.
        db = cast(sqlite3.Connection, conn.connection.driver_connection)
        db.execute(_SQLITE_DELETE_SEGMENTS, (media.id,))
        if segments:
            db.executemany(_SQLITE_INSERT_SEGMENTS, _segment_rows(media, segments, json.dumps))
        return
    conn.execute(_DELETE_SEGMENTS, {"media_id": media.id})
    if segments:
        rows = _segment_rows(media, segments, lambda meta: meta)  # Core applies the JSON type
        conn.execute(_INSERT_SEGMENTS, [dict(zip(SEGMENT_COLUMNS, row, strict=True)) for row in rows])


def _segment_rows(
    media: Media, segments: Sequence[Segment], meta: Callable[[dict[str, Any]], Any]
) -> list[tuple[Any, ...]]:
    return [
        (
            seg.id,
            media.id,
            media.tenant_id,
            str(seg.modality),
            seg.text,
            seg.start_s,
            seg.end_s,
            seg.page,
            seg.frame_key,
            seg.language,
            seg.confidence,
            meta(seg.meta),
            i,
            seg.sentence_vectors,
        )
        for i, seg in enumerate(segments)
    ]


def store_sentence_vectors(s: Session, tenant_id: str, vectors: Mapping[str, bytes | None]) -> None:
    """Set the sentence vectors of the tenant's segments, by segment id (None: none), in one
    executemany rather than a statement a segment."""
    if not vectors:
        return
    # Core, not ORM: an ORM update with a parameter list wants the primary key alone in WHERE.
    table = cast(Table, SegmentRow.__table__)
    s.execute(
        update(table)
        .where(table.c.tenant_id == tenant_id, table.c.id == bindparam("segment_id"))
        .values(sentence_vectors=bindparam("blob")),
        [{"segment_id": segment_id, "blob": blob} for segment_id, blob in vectors.items()],
    )


def media_segments(s: Session, tenant_id: str, media_id: str) -> list[SegmentRow]:
    q = select(SegmentRow).where(SegmentRow.tenant_id == tenant_id, SegmentRow.media_id == media_id)
    return list(s.scalars(q.order_by(SegmentRow.ordinal)))


def segments_by_ids(s: Session, tenant_id: str, ids: Iterable[str]) -> dict[str, SegmentRow]:
    ids = list(set(ids))
    if not ids:
        return {}
    # By primary key, the tenant checked on the rows (``catalog/hits.py`` says why).
    rows = s.scalars(select(SegmentRow).where(SegmentRow.id.in_(ids)))
    return {r.id: r for r in rows if r.tenant_id == tenant_id}


def adjacent_segments(
    s: Session, tenant_id: str, media_id: str, modality: str, ordinal: int, reach: int = 8
) -> list[SegmentRow]:
    """The nearest segment before and after ``ordinal`` in the media with the same modality,
    looking at most ``reach`` ordinals away (other modalities interleave)."""
    q = select(SegmentRow).where(
        SegmentRow.tenant_id == tenant_id,
        SegmentRow.media_id == media_id,
        SegmentRow.modality == modality,
        SegmentRow.ordinal.between(ordinal - reach, ordinal + reach),
    )
    rows = list(s.scalars(q))
    before = max((r for r in rows if r.ordinal < ordinal), key=lambda r: r.ordinal, default=None)
    after = min((r for r in rows if r.ordinal > ordinal), key=lambda r: r.ordinal, default=None)
    return [r for r in (before, after) if r is not None]


def keyframes(s: Session, tenant_id: str, media_ids: Iterable[str]) -> dict[str, list[tuple[float, str]]]:
    """Each media's keyframes as ``(start_s, frame_key)`` in time order, for a tenant's media."""
    ids = list(set(media_ids))
    if not ids:
        return {}
    rows = s.execute(
        select(SegmentRow.media_id, SegmentRow.start_s, SegmentRow.frame_key)
        .where(
            SegmentRow.tenant_id == tenant_id,
            SegmentRow.media_id.in_(ids),
            SegmentRow.modality == "frame",
            SegmentRow.frame_key.is_not(None),
            SegmentRow.start_s.is_not(None),
        )
        .order_by(SegmentRow.media_id, SegmentRow.start_s)
    )
    frames: dict[str, list[tuple[float, str]]] = {}
    for media_id, start_s, frame_key in rows:
        if start_s is not None and frame_key is not None:  # the query's filter, again for the types
            frames.setdefault(media_id, []).append((start_s, frame_key))
    return frames


def count_segments(s: Session, media_id: str) -> int:
    return s.scalar(select(func.count()).select_from(SegmentRow).where(SegmentRow.media_id == media_id)) or 0


def start_processing(s: Session, tenant_id: str, media_id: str, kind: str, mime: str | None) -> Media:
    """Record what the probe found: the media is processing from now on."""
    media = get_media(s, tenant_id, media_id)
    media.kind, media.mime, media.status = kind, mime, MediaStatus.PROCESSING.value
    return media


_INFO_COLUMNS = ("duration_s", "width", "height", "pages", "language")


def finish_media(
    s: Session, tenant_id: str, media_id: str, segments: Sequence[Segment], info: dict[str, Any]
) -> None:
    """Swap in the media's segments, record what extraction measured (``info``: duration_s,
    width, height, pages, language, and details under ``metadata``), and mark it ready."""
    media = get_media(s, tenant_id, media_id)
    replace_segments(s, media, segments)
    for column in _INFO_COLUMNS:
        if info.get(column) is not None:
            setattr(media, column, info[column])
    # Extraction details live under one key so they never mix with the user's own metadata
    # (sku, source…), which is what filters and the index payload use.
    meta = {k: v for k, v in (media.meta or {}).items() if k != "extracted"}  # and NEW_VERSION's mark
    media.meta = {**meta, "extracted": extra} if (extra := info.get("metadata")) else meta
    media.status, media.error = MediaStatus.READY.value, None


# What ``replace_original`` marks the media's ``extracted`` with until the new bytes are read: a job
# that dies on them takes the older bytes' segments with it (``is_new_version``).
NEW_VERSION = "new_version"


def is_new_version(media: Media) -> bool:
    """Whether the media's segments, if any, are of bytes it no longer holds."""
    extracted = (media.meta or {}).get("extracted")
    return isinstance(extracted, dict) and bool(extracted.get(NEW_VERSION))


def drop_results(s: Session, media: Media) -> None:
    """The media's segments and enrichment: what was read of bytes it no longer holds."""
    s.execute(delete(SegmentRow).where(SegmentRow.media_id == media.id))
    s.execute(delete(MediaEnrichment).where(MediaEnrichment.media_id == media.id))


def delete_media_rows(s: Session, media: Media) -> None:
    s.execute(delete(SegmentRow).where(SegmentRow.media_id == media.id))
    s.execute(delete(MediaEnrichment).where(MediaEnrichment.media_id == media.id))
    s.execute(delete(Conversion).where(Conversion.media_id == media.id))
    s.execute(delete(MediaNutrition).where(MediaNutrition.media_id == media.id))
    s.execute(delete(Job).where(Job.media_id == media.id))
    s.delete(media)


def touch(media: Media) -> None:
    media.updated_at = utcnow()


def media_from_source(s: Session, tenant_id: str, source_uri: str) -> list[Media]:
    """The tenant's media made from the object at ``source_uri`` (``s3://bucket/key``), newest first."""
    q = select(Media).where(Media.tenant_id == tenant_id, Media.source_uri == source_uri)
    return list(s.scalars(q.order_by(Media.created_at.desc(), Media.id.desc())))


def sources_of_size(s: Session, tenant_id: str, sized: Sequence[tuple[str, int]]) -> set[str]:
    """Those of ``sized`` (``source_uri``, byte size) that a media of the tenant follows at that size."""
    wanted = dict(sized)
    if not wanted:
        return set()
    q = select(Media.source_uri, Media.bytes).where(
        Media.tenant_id == tenant_id, Media.source_uri.in_(list(wanted))
    )
    return {uri for uri, size in s.execute(q) if uri is not None and wanted.get(uri) == size}


def media_under_source(s: Session, tenant_id: str, prefix: str, limit: int = 1000) -> list[Media]:
    """The tenant's media made from objects whose ``source_uri`` starts with ``prefix`` (a bucket's
    "folder": ``s3://bucket/clients/acme/…/``), at most ``limit``."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    q = select(Media).where(Media.tenant_id == tenant_id, Media.source_uri.like(f"{escaped}%", escape="\\"))
    return list(s.scalars(q.limit(limit)))


def replace_original(
    s: Session, tenant_id: str, media_id: str, size: int, sha256: str, metadata: dict[str, Any]
) -> Media:
    """Record new bytes under a media's original key: what extraction said of the old ones goes
    (it is measured again), the user's metadata is updated, and the media waits to be processed."""
    media = get_media(s, tenant_id, media_id)
    kept = {k: v for k, v in (media.meta or {}).items() if k != "extracted"}
    media.bytes, media.sha256 = size, sha256
    media.meta = {**kept, **metadata, "extracted": {NEW_VERSION: True}}
    media.status, media.error, media.original_deleted_at = MediaStatus.PENDING.value, None, None
    touch(media)
    return media


def ready_segment_count(s: Session) -> int:
    """Segments of ready media, every tenant's: about the points an index holds."""
    q = select(func.count(SegmentRow.id)).join(Media, Media.id == SegmentRow.media_id)
    return int(s.scalar(q.where(Media.status == MediaStatus.READY.value)) or 0)
