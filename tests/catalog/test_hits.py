"""Hydration's read: the segments a search found, with their media, for one tenant only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from ulid import ULID

from mediasift.catalog import repo
from mediasift.catalog.db import Catalog
from mediasift.catalog.hits import _COLUMNS, HitRow, hit_rows, sentence_vectors
from mediasift.catalog.models import Media, SegmentRow
from mediasift.catalog.uploads import NewMedia, record_upload
from mediasift.domain import Modality, Segment
from tests.scale.test_postgres import sqlalchemy_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        url = sqlalchemy_url(request.getfixturevalue("make_database")())
    cat = Catalog(url)
    cat.migrate()
    yield cat
    cat.close()


def media_with_segment(catalog: Catalog, tenant: str, text: str) -> tuple[str, str]:
    media_id = str(ULID())
    key, sha = f"raw/{tenant}/{media_id}/original", media_id.ljust(64, "0")
    new = NewMedia(media_id, tenant, "talk.mp4", key, 3, sha, metadata={"sku": "A-1"})
    assert record_upload(catalog, new, max_attempts=3) is not None
    segment = Segment(str(ULID()), media_id, tenant, Modality.SPEECH, text, 1.5, 4.0, language="en",
                      meta={"parts": []})  # fmt: skip
    with catalog.session() as s:
        repo.start_processing(s, tenant, media_id, "video", "video/mp4")
        repo.finish_media(s, tenant, media_id, [segment], {})
    return media_id, segment.id


def test_a_found_segment_comes_back_with_what_its_hit_shows_of_its_media(catalog: Catalog):
    media_id, segment_id = media_with_segment(catalog, "t", "the water should be at 94 degrees")
    with catalog.read_session() as s:
        rows = hit_rows(s, "t", [segment_id, segment_id])
    row = rows[segment_id]
    assert (row.media_id, row.text, row.start_s, row.end_s, row.ordinal) == (
        media_id, "the water should be at 94 degrees", 1.5, 4.0, 0,
    )  # fmt: skip
    assert (row.filename, row.kind, row.collection, row.modality, row.language) == (
        "talk.mp4", "video", "default", "speech", "en",
    )  # fmt: skip
    assert row.meta == {"parts": []} and row.media_meta == {"sku": "A-1"}


def test_another_tenants_segment_and_a_deleted_media_s_segment_are_not_found(catalog: Catalog):
    _, theirs = media_with_segment(catalog, "other", "their words")
    gone_media, gone = media_with_segment(catalog, "t", "deleted words")
    _, kept = media_with_segment(catalog, "t", "kept words")
    with catalog.session() as s:
        repo.delete_media_rows(s, repo.get_media(s, "t", gone_media))
    with catalog.read_session() as s:
        assert set(hit_rows(s, "t", [theirs, gone, kept, "unknown"])) == {kept}
        assert hit_rows(s, "t", []) == {}


def test_the_statement_built_once_reads_what_a_statement_built_per_call_reads(catalog: Catalog):
    # One statement serves every search: bound per call, no tenant's ids or rows may leak into the
    # next call, whatever the number of ids (the expanding IN renders one placeholder per id).
    ours = [media_with_segment(catalog, "t", f"passage {i}")[1] for i in range(12)]
    theirs = [media_with_segment(catalog, "u", f"their passage {i}")[1] for i in range(3)]
    with catalog.read_session() as s:
        for tenant, ids in (("t", ours), ("u", theirs + ours), ("t", ours[:1]), ("t", ours[::-1] + theirs)):
            per_call = (
                select(*_COLUMNS)
                .join(Media, Media.id == SegmentRow.media_id)
                .where(SegmentRow.tenant_id == tenant, Media.tenant_id == tenant, SegmentRow.id.in_(ids))
            )
            expected = {row[0]: HitRow(*row) for row in s.execute(per_call)}
            assert hit_rows(s, tenant, ids) == expected
            assert len(expected) == (3 if tenant == "u" else len(set(ids) & set(ours)))


def test_the_reads_by_id_leave_out_another_tenants_rows(catalog: Catalog):
    # They look segments and media up by primary key alone and check the tenant on what they read.
    their_media, theirs = media_with_segment(catalog, "other", "their words")
    our_media, ours = media_with_segment(catalog, "t", "our words")
    with catalog.read_session() as s:
        assert set(repo.segments_by_ids(s, "t", [theirs, ours])) == {ours}
        assert set(repo.media_by_ids(s, "t", [their_media, our_media])) == {our_media}
        assert set(sentence_vectors(s, "t", [theirs, ours])) == {ours}
        assert set(sentence_vectors(s, "other", [theirs, ours])) == {theirs}


def test_on_sqlite_each_read_by_id_is_one_statement_by_primary_key_whatever_the_number_of_ids(tmp_path: Path):
    # sqlite3 prepares a statement once per connection by its text: one text for every search's
    # ids, not one per number of ids (an expanding IN), and still a primary-key lookup.
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    catalog.migrate()
    ids = [media_with_segment(catalog, "t", f"passage {i}")[1] for i in range(3)]
    seen: list[str] = []
    with catalog.read_session() as s:
        driver = s.connection().connection.driver_connection
        driver.set_trace_callback(seen.append)  # each statement with its values written in
        for some in (ids[:1], ids):
            assert set(hit_rows(s, "t", some)) == set(some)
            assert set(sentence_vectors(s, "t", some)) == set(some)
        driver.set_trace_callback(None)
        reads = {re.sub(r"'[^']*'", "?", sql) for sql in seen if sql.lstrip().upper().startswith("SELECT")}
        assert len(reads) == 2  # hydration's and the sentence vectors'
        for sql in reads:
            plan = " ".join(str(step[-1]) for step in driver.execute(f"EXPLAIN QUERY PLAN {sql}", ("[]",)))
            assert "USING INDEX sqlite_autoindex_segment_1 (id=?)" in plan, plan
    catalog.close()
