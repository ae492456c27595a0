"""The segment swap of ``finish_media``: every column written, old rows replaced, on both catalogs
(SQLite's goes through the driver directly, PostgreSQL's through SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import undefer

from mediasift.catalog import repo
from mediasift.catalog.db import Catalog
from mediasift.catalog.models import SegmentRow
from mediasift.domain import Modality, Segment
from tests.catalog.test_hits import catalog, media_with_segment  # noqa: F401  (catalog: a fixture)


def rows(cat: Catalog, media_id: str) -> list[SegmentRow]:
    with cat.read_session() as s:
        q = select(SegmentRow).options(undefer(SegmentRow.sentence_vectors))
        found = list(s.scalars(q.where(SegmentRow.media_id == media_id).order_by(SegmentRow.ordinal)))
        s.expunge_all()
    return found


def test_a_swap_writes_every_field_and_leaves_none_of_the_old_rows(catalog: Catalog):  # noqa: F811
    media_id, old = media_with_segment(catalog, "t", "the first transcript")
    other_media, other = media_with_segment(catalog, "t", "another media's words")
    new = [
        Segment("seg-a", media_id, "t", Modality.OCR, "SUMMER SALE 30% OFF", 12.0, 14.5, page=3,
                frame_key="frames/t/x/00012.jpg", language="en", confidence=0.875,
                meta={"box": [1, 2, 3, 4], "note": "año"}, sentence_vectors=b"\x00\x3c\x00\xbc"),
        Segment("seg-b", media_id, "t", Modality.SPEECH, "la segunda línea"),
    ]  # fmt: skip
    with catalog.session() as s:
        repo.finish_media(s, "t", media_id, new, {})

    first, second = rows(catalog, media_id)
    assert (first.id, first.tenant_id, first.modality, first.text, first.start_s, first.end_s) == (
        "seg-a", "t", "ocr", "SUMMER SALE 30% OFF", 12.0, 14.5,
    )  # fmt: skip
    assert (first.page, first.frame_key, first.language, first.confidence, first.ordinal) == (
        3, "frames/t/x/00012.jpg", "en", 0.875, 0,
    )  # fmt: skip
    assert first.meta == {"box": [1, 2, 3, 4], "note": "año"}
    assert first.sentence_vectors == b"\x00\x3c\x00\xbc"
    assert (second.id, second.modality, second.text, second.ordinal) == (
        "seg-b",
        "speech",
        "la segunda línea",
        1,
    )
    assert (second.start_s, second.page, second.meta, second.sentence_vectors) == (None, None, {}, None)
    assert old not in {r.id for r in rows(catalog, media_id)}
    assert [r.id for r in rows(catalog, other_media)] == [other]

    with catalog.session() as s:  # an empty swap clears the media's rows
        repo.finish_media(s, "t", media_id, [], {})
    assert rows(catalog, media_id) == []


def test_the_swap_writes_every_column_the_table_has():
    # A column the list leaves out would be NULL on SQLite's path, whatever its model default.
    assert sorted(repo.SEGMENT_COLUMNS) == sorted(SegmentRow.__table__.c.keys())
