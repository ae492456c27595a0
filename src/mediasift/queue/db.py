"""The catalog's own job table as the queue (SQLite embedded, PostgreSQL scaled out).

A job is deliverable when it is queued or failed (waiting for a retry), no worker holds it and
its ``run_after`` has passed, or when it is running but its lease expired (its worker died).
The leasing queries (compare-and-set on that condition, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL)
live in ``catalog/leases.py``; this module is the Queue over them: its clock, polling and waits.

The job row exists (queued) before ``send`` is called, so a worker may lease it first; ``send``
then changes nothing. A worker records "failed" in its own transaction before it calls
``retry``; until then it still holds the token, so the job is not leased again before its
backoff is set, unless that worker dies there and its lease runs out.

Each lease records its holder (``queue/holder.py``: host, boot, pid namespace, pid and start time),
so that ``release_leases_of_gone_holders`` can give back at once, at a server's start, the leases
of a process that provably died (``kill -9``, out of memory) instead of waiting for them to run
out. The released job is delivered again as any expired lease is: the crash counts an attempt.

Waiting: a worker of this process waiting in ``receive`` wakes as soon as this process sends a job
(or gives a lease back); jobs sent by other processes are found by polling every
``poll_interval_s``; ``interrupt_waits`` (a stopping worker) ends every wait at once. Without the
wake-up, every job sent in-process (an upload to ``serve``, the CLI's embedded ingest, a step
queued after ingest) waited up to a poll interval for its worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection

from mediasift.catalog import leases
from mediasift.catalog.db import Catalog
from mediasift.queue.base import Delivery, Lease, Queue
from mediasift.queue.holder import provably_gone, this_process


class DbQueue(Queue):
    def __init__(self, catalog: Catalog, poll_interval_s: float = 0.5) -> None:
        self.catalog = catalog
        self.poll_interval_s = poll_interval_s
        # SQLite in WAL mode works only between processes of one host: every holder is local.
        self._single_host = catalog.url.startswith("sqlite")
        self._sent = threading.Condition()
        self._sends = 0  # counts this process's sends, so a waiter knows one happened
        self._interrupts = 0  # counts interrupt_waits calls: a waiter that sees it change returns

    def send(self, job_id: str, delay_s: float = 0.0) -> None:
        with self.catalog.session() as s:
            leases.schedule(s, job_id, run_after=time.time() + delay_s)
        if delay_s <= 0:
            self._wake()

    def _wake(self) -> None:
        with self._sent:
            self._sends += 1
            self._sent.notify_all()

    def _try_receive(self, visibility_s: float) -> Lease | None:
        now = time.time()
        # An idle worker polls twice a second. Looking first on a read session keeps a poll that
        # finds nothing from taking SQLite's write lock (a writer then waits behind it, or it
        # behind a writer) and from a write transaction on PostgreSQL; only a deliverable job is
        # leased under the lock.
        with self.catalog.read_session() as s:
            if not leases.any_deliverable(s, now):
                return None
        with self.catalog.session() as s:
            grant = leases.lease_next(s, now, until=now + visibility_s, holder=str(this_process()))
        if grant is None:
            return None
        return Lease(job_id=grant.job_id, receipt=grant.token, attempts=grant.attempts)

    def release_leases_of_gone_holders(self) -> list[str]:
        """End now the live leases whose holder is provably gone; returns those jobs' ids.

        Their jobs become deliverable at once, as if the leases had run out. A holder on another
        host, in another container, or one whose death cannot be proved keeps its lease until it
        runs out. The compare-and-set on the token leaves alone a lease renewed meanwhile.
        """
        now = time.time()
        with self.catalog.session() as s:
            released = [
                held.job_id
                for held in leases.live_leases(s, now)
                if provably_gone(held.holder, single_host=self._single_host)
                and leases.expire_lease(s, held.job_id, held.token, now)
            ]
        if released:
            self._wake()
        return released

    def interrupt_waits(self) -> None:
        with self._sent:
            self._interrupts += 1
            self._sent.notify_all()

    def receive(self, visibility_s: float, wait_s: float = 0.0) -> Lease | None:
        deadline = time.monotonic() + wait_s
        with self._sent:
            interrupts = self._interrupts
        while True:
            with self._sent:
                seen = self._sends  # read before looking, so a send in between is not missed
            lease = self._try_receive(visibility_s)
            if lease is not None or time.monotonic() >= deadline:
                return lease
            pause = min(self.poll_interval_s, max(0.0, deadline - time.monotonic()))
            with self._sent:
                if self._sends == seen and self._interrupts == interrupts:
                    self._sent.wait(timeout=pause)  # woken by a send, an interrupt, or to poll
                if self._interrupts != interrupts:
                    return None

    def extend(self, lease: Delivery, visibility_s: float) -> bool:
        if not isinstance(lease, Lease):
            return False  # bucket events come from SQS only
        with self.catalog.session() as s:
            return leases.extend_lease(s, lease.job_id, lease.receipt, until=time.time() + visibility_s)

    def ack(self, lease: Delivery) -> None:
        if not isinstance(lease, Lease):
            raise TypeError("the DB queue hands out no bucket events, so it has none to acknowledge")
        # The worker has already written the final status; dropping the token ends the lease.
        with self.catalog.session() as s:
            leases.end_lease(s, lease.job_id, lease.receipt)

    def dead_letter(self, lease: Lease, error_code: str | None = None) -> None:
        self.ack(lease)  # the worker has written "dead" on the row: that is the letter

    def drop_dead_letters(self, job_ids: Collection[str]) -> int:
        return 0  # retrying or deleting the job row is all there is to do

    def give_back(self, lease: Lease) -> None:
        """Deliverable at once, and the attempt it had begun not counted: three Ctrl-C on an
        in-process ingest had used up a job's attempts and made it dead as ``worker_lost``."""
        self.defer(lease, 0.0)
        self._wake()

    def defer(self, lease: Lease, delay_s: float) -> None:
        """The job row is the message: released to run after ``delay_s``, the attempt uncounted."""
        with self.catalog.session() as s:
            leases.release_lease(
                s, lease.job_id, lease.receipt, run_after=time.time() + delay_s, uncount=True
            )

    def retry(self, lease: Lease, delay_s: float) -> None:
        with self.catalog.session() as s:
            leases.release_lease(s, lease.job_id, lease.receipt, run_after=time.time() + delay_s)
        if delay_s <= 0:
            self._wake()  # a lease given back at shutdown: another worker of this process takes it

    def stats(self) -> dict[str, float]:
        """``depth``: deliverable now (waiting, or leased by a worker whose lease expired);
        ``in_flight``: under a live lease; ``delayed``: waiting for a send delay or a retry's
        backoff; ``dead``; ``oldest_age_s``: how long the longest-deliverable job has waited.

        The states partition as SQS counts its messages, so dashboards and autoscaling read the
        same numbers whichever queue runs (except that SQS counts a backoff as in flight).
        """
        now = time.time()
        with self.catalog.read_session() as s:
            counts = leases.queue_counts(s, now)
        since = counts.deliverable_since
        return {
            "depth": float(counts.depth),
            "in_flight": float(counts.in_flight),
            "delayed": float(counts.delayed),
            "dead": float(counts.dead),
            "oldest_age_s": max(0.0, now - since) if since is not None else 0.0,
        }
