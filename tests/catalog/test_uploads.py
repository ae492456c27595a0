"""Recording uploads: one media per tenant and content, however many uploads of it race."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from ulid import ULID

from mediasift.catalog.db import Catalog
from mediasift.catalog.uploads import NewMedia, Recorded, record_upload
from tests.scale.test_postgres import sqlalchemy_url

SHA = "ab" * 32


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


def upload(tenant: str = "t", sha: str = SHA) -> NewMedia:
    media_id = str(ULID())
    return NewMedia(media_id, tenant, "a.txt", f"raw/{tenant}/{media_id}/original", 3, sha)


def test_a_new_upload_gets_a_pending_media_and_a_queued_ingest_job(catalog: Catalog):
    recorded = record_upload(catalog, upload(), max_attempts=5)
    assert recorded is not None and not recorded.duplicate and recorded.job is not None
    assert recorded.media.status == "pending"
    assert (recorded.job.type, recorded.job.status, recorded.job.max_attempts) == ("ingest", "queued", 5)


def test_the_same_bytes_again_are_the_first_copy_with_its_job(catalog: Catalog):
    first = record_upload(catalog, upload(), max_attempts=3)
    again = record_upload(catalog, upload(), max_attempts=3)
    other_tenant = record_upload(catalog, upload(tenant="u"), max_attempts=3)
    assert first is not None and again is not None and other_tenant is not None
    assert again.duplicate and again.media.id == first.media.id
    assert again.job is not None and first.job is not None and again.job.id == first.job.id
    assert not other_tenant.duplicate


def test_uploads_of_the_same_bytes_racing_record_one_media(catalog: Catalog):
    start, results = threading.Barrier(6), []

    def race() -> None:
        start.wait()
        results.append(record_upload(catalog, upload(tenant="fresh"), max_attempts=3))

    threads = [threading.Thread(target=race) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorded: list[Recorded] = [r for r in results if r is not None]
    assert len(recorded) == 6
    winners = [r for r in recorded if not r.duplicate]
    assert len(winners) == 1
    assert {r.media.id for r in recorded} == {winners[0].media.id}


def test_media_are_listed_by_the_exact_start_of_their_source(catalog: Catalog):
    from mediasift.catalog import repo
    from mediasift.catalog.sources import SOURCE_PREFIX

    named = {
        "a": SOURCE_PREFIX + "file://h/Inbox/a.txt",
        "b": SOURCE_PREFIX + "file://h/inbox/b.txt",
        "c": SOURCE_PREFIX + "file://h/inbox_x/c.txt",
        "d": "s3://bucket/inbox/d.txt",
        "e": "upload",
    }
    for n, (name, uri) in enumerate(named.items()):
        media_id = str(ULID())
        new = NewMedia(
            media_id, "t", f"{name}.txt", f"raw/t/{media_id}/original", 3, str(n) * 64, source_uri=uri
        )
        assert record_upload(catalog, new, max_attempts=3) is not None
    with catalog.read_session() as s:

        def listed(prefix: str) -> list[str]:
            return sorted(m.filename for m in repo.list_media(s, "t", source_prefix=prefix))

        assert listed("file://h/inbox/") == ["b.txt"]
        assert listed("file://h/") == ["a.txt", "b.txt", "c.txt"]
        assert listed("s3://bucket/") == ["d.txt"]
        assert listed("upload") == []
