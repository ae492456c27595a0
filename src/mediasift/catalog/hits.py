"""What a search hit is made of, read back from the catalog for the index's candidates.

One query joins each segment to its media and reads only the columns a hit shows, as plain rows
rather than ORM objects: hydration runs on every search, for every candidate (``services/search``),
and building mapped instances was most of its time. The statement is built once, its tenant and
ids bound per call (an expanding ``IN``): building and cache-keying a new ``select`` on every
search cost about as much as running it on SQLite.

Both queries look segments up by primary key only and check the tenant on the rows read: SQLite
(without ``ANALYZE`` statistics) otherwise answers ``tenant_id = ? AND id IN (...)`` through
``ix_segment_tenant_id``, every segment of the tenant, 140 ms instead of 0.6 ms at 100k segments
with sentence vectors stored on them (bench/ranking_latency.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from mediasift.catalog.models import Media, SegmentRow


@dataclass(frozen=True, slots=True)
class HitRow:
    """One segment with what a hit shows of its media."""

    id: str
    media_id: str
    modality: str
    text: str
    start_s: float | None
    end_s: float | None
    page: int | None
    frame_key: str | None
    language: str | None
    meta: dict[str, Any] | None
    ordinal: int
    filename: str
    kind: str | None
    collection: str
    media_meta: dict[str, Any] | None


# Both statements are built once on the tables' columns rather than the mapped classes', and run
# on the session's connection, not the ORM's execution layer. For the second stage's read of the
# vectors not in memory (~45 rows of ~7.7 KB at 100k segments) that layer was about a quarter of
# the read (0.40 -> 0.29 ms p50); for hydration's 30 rows it measured within noise (0.47 ms either
# way at 20k segments) and runs the same way so that both reads are one kind of code.
_SEGMENTS, _MEDIAS = cast(Table, SegmentRow.__table__), cast(Table, Media.__table__)
_SEGMENT, _MEDIA = _SEGMENTS.c, _MEDIAS.c
_COLUMNS = (
    _SEGMENT.id,
    _SEGMENT.media_id,
    _SEGMENT.modality,
    _SEGMENT.text,
    _SEGMENT.start_s,
    _SEGMENT.end_s,
    _SEGMENT.page,
    _SEGMENT.frame_key,
    _SEGMENT.language,
    _SEGMENT.meta,
    _SEGMENT.ordinal,
    _MEDIA.filename,
    _MEDIA.kind,
    _MEDIA.collection,
    _MEDIA.metadata,  # Media.meta
)
_HITS = (
    select(*_COLUMNS, _SEGMENT.tenant_id, _MEDIA.tenant_id)
    .select_from(_SEGMENTS.join(_MEDIAS, _MEDIA.id == _SEGMENT.media_id))
    .where(_SEGMENT.id.in_(bindparam("ids", expanding=True)))
)
_FIELDS = len(_COLUMNS)
_SENTENCES = select(_SEGMENT.id, _SEGMENT.sentence_vectors, _SEGMENT.tenant_id).where(
    _SEGMENT.id.in_(bindparam("ids", expanding=True))
)


def hit_rows(s: Session, tenant_id: str, segment_ids: Iterable[str]) -> dict[str, HitRow]:
    """The tenant's segments among ``segment_ids`` whose media still exists, by segment id."""
    ids = list(set(segment_ids))
    if not ids:
        return {}
    return {
        row[0]: HitRow(*row[:_FIELDS])
        for row in s.connection().execute(_HITS, {"ids": ids})
        if row[_FIELDS] == tenant_id and row[_FIELDS + 1] == tenant_id
    }


def sentence_vectors(s: Session, tenant_id: str, segment_ids: Iterable[str]) -> dict[str, bytes | None]:
    """The stored sentence vectors (``SegmentRow.sentence_vectors``) of the tenant's segments among
    ``segment_ids``, by segment id; None for a segment that has none."""
    ids = list(set(segment_ids))
    if not ids:
        return {}
    rows = s.connection().execute(_SENTENCES, {"ids": ids})
    return {row[0]: row[1] for row in rows if row[2] == tenant_id}
