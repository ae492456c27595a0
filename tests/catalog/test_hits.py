"""Hydration's read: the segments a search found, with their media, for one tenant only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ulid import ULID

from mediasift.catalog import repo
from mediasift.catalog.db import Catalog
from mediasift.catalog.hits import hit_rows
from mediasift.catalog.uploads import NewMedia, record_upload
from mediasift.domain import Modality, Segment


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    cat = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
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
