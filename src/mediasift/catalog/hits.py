"""What a search hit is made of, read back from the catalog for the index's candidates.

One query joins each segment to its media and reads only the columns a hit shows, as plain rows
rather than ORM objects: hydration runs on every search, for every candidate (``services/search``),
and building mapped instances was most of its time. The statement is built once, its tenant and
ids bound per call (an expanding ``IN``; on SQLite one JSON array, ``_ById``): building and
cache-keying a new ``select`` on every search cost about as much as running it on SQLite.

Both queries look segments up by primary key only and check the tenant on the rows read: SQLite
(without ``ANALYZE`` statistics) otherwise answers ``tenant_id = ? AND id IN (...)`` through
``ix_segment_tenant_id``, every segment of the tenant, 140 ms instead of 0.6 ms at 100k segments
with sentence vectors stored on them (bench/ranking_latency.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, bindparam, column, func, select
from sqlalchemy.dialects import sqlite
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
_HITS = select(*_COLUMNS, _SEGMENT.tenant_id, _MEDIA.tenant_id).select_from(
    _SEGMENTS.join(_MEDIAS, _MEDIA.id == _SEGMENT.media_id)
)
_FIELDS = len(_COLUMNS)
_JSON_FIELDS = (_COLUMNS.index(_SEGMENT.meta), _COLUMNS.index(_MEDIA.metadata))
_SENTENCES = select(_SEGMENT.id, _SEGMENT.sentence_vectors, _SEGMENT.tenant_id)


class _ById:
    """One of the statements above, for a list of segment ids: an expanding ``IN`` through
    SQLAlchemy, or on SQLite the ids as one JSON array (``json_each``) through the driver's cursor.
    There the statement's text never changes, so sqlite3 prepares it once per connection, and rows
    are plain tuples: the expanding ``IN`` is rendered again for every search and each row wrapped,
    a quarter of the reads at 100k segments (~47 rows: hydration 0.80 -> 0.58 ms, the sentence
    vectors 0.44 -> 0.36 ms; bench/ranking_latency.py's home). Both still look segments up by
    primary key (``EXPLAIN QUERY PLAN``: ``sqlite_autoindex_segment_1 (id=?)``)."""

    def __init__(self, statement: Select[Any]) -> None:
        self._expanding = statement.where(_SEGMENT.id.in_(bindparam("ids", expanding=True)))
        ids: Select[Any] = select(column("value")).select_from(func.json_each(bindparam("ids")))
        self._sqlite = str(statement.where(_SEGMENT.id.in_(ids)).compile(dialect=sqlite.dialect()))

    def rows(self, s: Session, ids: list[str]) -> Iterable[Sequence[Any]]:
        """Raw rows on SQLite (JSON columns as their text), SQLAlchemy's elsewhere."""
        connection: Connection = s.connection()
        if connection.dialect.name != "sqlite":
            return connection.execute(self._expanding, {"ids": ids})
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        return cast(list[Sequence[Any]], cursor.execute(self._sqlite, (json.dumps(ids),)).fetchall())


_HITS_BY_ID, _SENTENCES_BY_ID = _ById(_HITS), _ById(_SENTENCES)


def hit_rows(s: Session, tenant_id: str, segment_ids: Iterable[str]) -> dict[str, HitRow]:
    """The tenant's segments among ``segment_ids`` whose media still exists, by segment id."""
    ids = list(set(segment_ids))
    if not ids:
        return {}
    decoded = s.connection().dialect.name == "sqlite"  # raw rows: the JSON columns are text
    found = {}
    for row in _HITS_BY_ID.rows(s, ids):
        if row[_FIELDS] != tenant_id or row[_FIELDS + 1] != tenant_id:
            continue
        values = list(row[:_FIELDS])
        if decoded:
            for k in _JSON_FIELDS:
                values[k] = _json(values[k])
        found[values[0]] = HitRow(*values)
    return found


def _json(text: str | None) -> Any:
    # What SQLAlchemy's JSON type gives for the column (json.loads); "{}" is most segments' meta.
    if text is None:
        return None
    return {} if text == "{}" else json.loads(text)


def sentence_vectors(s: Session, tenant_id: str, segment_ids: Iterable[str]) -> dict[str, bytes | None]:
    """The stored sentence vectors (``SegmentRow.sentence_vectors``) of the tenant's segments among
    ``segment_ids``, by segment id; None for a segment that has none."""
    ids = list(set(segment_ids))
    if not ids:
        return {}
    return {row[0]: row[1] for row in _SENTENCES_BY_ID.rows(s, ids) if row[2] == tenant_id}
