"""The catalog's own job table as the queue (SQLite embedded, PostgreSQL scaled out).

A job is deliverable when it is queued or failed (waiting for a retry), no worker holds it and
its ``run_after`` has passed, or when it is running but its lease expired (its worker died).
Receiving is a compare-and-set on that condition, so two workers never hold the same lease; on
PostgreSQL the candidate scan uses ``FOR UPDATE SKIP LOCKED`` so workers do not queue behind each
other.

The job row exists (queued) before ``send`` is called, so a worker may lease it first; ``send``
then changes nothing. A worker records "failed" in its own transaction before it calls
``retry``; until then it still holds the token, so the job is not leased again before its
backoff is set, unless that worker dies there and its lease runs out.

Each lease records its holder (``queue/holder.py``: host, boot, pid namespace, pid and start time),
so that ``release_leases_of_gone_holders`` can give back at once, at a server's start, the leases
of a process that provably died (``kill -9``, out of memory) instead of waiting for them to run
out. The released job is delivered again as any expired lease is: the crash counts an attempt.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Collection

from sqlalchemy import and_, case, func, or_, select, update

from mediasift.catalog.db import Catalog
from mediasift.catalog.models import Job, utcnow
from mediasift.domain import JobStatus
from mediasift.queue.base import Delivery, Lease, Queue
from mediasift.queue.holder import provably_gone, this_process

_WAITING = (JobStatus.QUEUED.value, JobStatus.FAILED.value)
_OPEN = (*_WAITING, JobStatus.RUNNING.value)


def _visible(now: float):  # type: ignore[no-untyped-def]
    return and_(Job.status.in_(_WAITING), Job.lease_token.is_(None), Job.run_after <= now)


def _expired(now: float):  # type: ignore[no-untyped-def]
    return and_(Job.status.in_(_OPEN), Job.lease_token.is_not(None), Job.lease_until < now)


def _deliverable(now: float):  # type: ignore[no-untyped-def]
    return or_(_visible(now), _expired(now))


class DbQueue(Queue):
    def __init__(self, catalog: Catalog, poll_interval_s: float = 0.5) -> None:
        self.catalog = catalog
        self.poll_interval_s = poll_interval_s
        self._skip_locked = not catalog.url.startswith("sqlite")
        # SQLite in WAL mode works only between processes of one host: every holder is local.
        self._single_host = catalog.url.startswith("sqlite")

    def send(self, job_id: str, delay_s: float = 0.0) -> None:
        with self.catalog.session() as s:
            # Only a waiting, unheld job: one already leased (or finished) is past its send.
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_(_WAITING), Job.lease_token.is_(None))
                .values(status=JobStatus.QUEUED.value, run_after=time.time() + delay_s)
            )

    def _try_receive(self, visibility_s: float) -> Lease | None:
        now = time.time()
        with self.catalog.session() as s:
            q = select(Job.id).where(_deliverable(now)).order_by(Job.run_after, Job.id).limit(8)
            if self._skip_locked:
                q = q.with_for_update(skip_locked=True)
            for job_id in s.scalars(q).all():
                token = secrets.token_hex(8)
                won = s.execute(
                    update(Job)
                    .where(Job.id == job_id, _deliverable(now))
                    .values(
                        status=JobStatus.RUNNING.value,
                        lease_token=token,
                        lease_until=now + visibility_s,
                        lease_holder=str(this_process()),
                        attempts=Job.attempts + 1,
                        started_at=utcnow(),
                    )
                    .returning(Job.attempts)
                ).first()
                if won is not None:
                    return Lease(job_id=job_id, receipt=token, attempts=int(won[0]))
        return None

    def release_leases_of_gone_holders(self) -> list[str]:
        """End now the live leases whose holder is provably gone; returns those jobs' ids.

        Their jobs become deliverable at once, as if the leases had run out. A holder on another
        host, in another container, or one whose death cannot be proved keeps its lease until it
        runs out. The compare-and-set on the token leaves alone a lease renewed meanwhile.
        """
        now = time.time()
        leased = and_(Job.status.in_(_OPEN), Job.lease_token.is_not(None), Job.lease_until >= now)
        with self.catalog.session() as s:
            held = s.execute(select(Job.id, Job.lease_token, Job.lease_holder).where(leased)).all()
            released: list[str] = []
            for job_id, token, holder in held:
                if not provably_gone(holder, single_host=self._single_host):
                    continue
                result = s.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.lease_token == token)
                    .values(lease_until=now - 0.001)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    released.append(job_id)
        return released

    def receive(self, visibility_s: float, wait_s: float = 0.0) -> Lease | None:
        deadline = time.monotonic() + wait_s
        while True:
            lease = self._try_receive(visibility_s)
            if lease is not None or time.monotonic() >= deadline:
                return lease
            time.sleep(min(self.poll_interval_s, max(0.0, deadline - time.monotonic())))

    def extend(self, lease: Lease, visibility_s: float) -> bool:
        with self.catalog.session() as s:
            result = s.execute(
                update(Job)
                .where(Job.id == lease.job_id, Job.lease_token == lease.receipt)
                .values(lease_until=time.time() + visibility_s)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    def ack(self, lease: Delivery) -> None:
        if not isinstance(lease, Lease):
            raise TypeError("the DB queue hands out no bucket events, so it has none to acknowledge")
        # The worker has already written the final status; dropping the token ends the lease.
        with self.catalog.session() as s:
            s.execute(
                update(Job)
                .where(Job.id == lease.job_id, Job.lease_token == lease.receipt)
                .values(lease_token=None, lease_until=None, lease_holder=None)
            )

    def dead_letter(self, lease: Lease, error_code: str | None = None) -> None:
        self.ack(lease)  # the worker has written "dead" on the row: that is the letter

    def drop_dead_letters(self, job_ids: Collection[str]) -> int:
        return 0  # retrying or deleting the job row is all there is to do

    def retry(self, lease: Lease, delay_s: float) -> None:
        with self.catalog.session() as s:
            s.execute(
                update(Job)
                .where(Job.id == lease.job_id, Job.lease_token == lease.receipt)
                .values(
                    # A worker records "failed" (with its error) before retrying; keep that. A bare
                    # release of a running job makes it plainly queued again.
                    status=case(
                        (Job.status == JobStatus.RUNNING.value, JobStatus.QUEUED.value), else_=Job.status
                    ),
                    lease_token=None,
                    lease_until=None,
                    lease_holder=None,
                    run_after=time.time() + delay_s,
                )
            )

    def stats(self) -> dict[str, float]:
        """``depth``: deliverable now (waiting, or leased by a worker whose lease expired);
        ``in_flight``: under a live lease; ``delayed``: waiting for a send delay or a retry's
        backoff; ``dead``; ``oldest_age_s``: how long the longest-deliverable job has waited.

        The states partition as SQS counts its messages, so dashboards and autoscaling read the
        same numbers whichever queue runs (except that SQS counts a backoff as in flight).
        """
        now = time.time()
        visible, expired = _visible(now), _expired(now)
        leased = and_(Job.status.in_(_OPEN), Job.lease_token.is_not(None), Job.lease_until >= now)
        delayed = and_(Job.status.in_(_WAITING), Job.lease_token.is_(None), Job.run_after > now)
        with self.catalog.session() as s:
            depth, in_flight, waiting, dead, since = s.execute(
                select(
                    func.count().filter(or_(visible, expired)),
                    func.count().filter(leased),
                    func.count().filter(delayed),
                    func.count().filter(Job.status == JobStatus.DEAD.value),
                    # A crashed worker's job has been deliverable since its lease ran out; a row
                    # never sent (run_after still 0) has no enqueue time to age from.
                    func.min(
                        case((and_(visible, Job.run_after > 0), Job.run_after), (expired, Job.lease_until))
                    ),
                ).where(Job.status.in_((*_WAITING, JobStatus.RUNNING.value, JobStatus.DEAD.value)))
            ).one()
        return {
            "depth": float(depth),
            "in_flight": float(in_flight),
            "delayed": float(waiting),
            "dead": float(dead),
            "oldest_age_s": max(0.0, now - since) if since is not None else 0.0,
        }
