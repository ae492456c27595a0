"""The ``Queue`` interface, with SQS semantics everywhere.

At-least-once delivery; a received job is hidden for a visibility timeout (its lease) that the
worker extends by heartbeat; every receive counts an attempt; ``retry`` makes it visible again
after a backoff; the worker moves it to the dead-letter state after ``max_attempts`` (at once for a
permanent error), and so it must see the delivery after the last attempt: a job whose last attempt
killed its worker is recorded dead there. The catalog's ``job`` row stays the place where status
is visible, whatever carries the messages; ``jobs/lifecycle.py`` writes it and calls the queue.

A backend implements the abstract methods; the others are capabilities with a default that is
right for a queue without them (no bucket events, no redrive policy, no way to prove a lease
holder dead), so callers call them plainly whatever the backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass

from mediasift.queue.s3_events import EventDelivery


@dataclass(slots=True)
class Lease:
    job_id: str
    receipt: str  # opaque: the DB lease token or an SQS receipt handle
    attempts: int  # receive count, including this one


Delivery = Lease | EventDelivery  # what ``receive_any`` hands out


class Queue(ABC):
    @abstractmethod
    def send(self, job_id: str, delay_s: float = 0.0) -> None:
        """Make a job deliverable (after delay_s)."""

    @abstractmethod
    def receive(self, visibility_s: float, wait_s: float = 0.0) -> Lease | None:
        """Lease the next deliverable job, or None if there is none within wait_s."""

    @abstractmethod
    def extend(self, lease: Delivery, visibility_s: float) -> bool:
        """Heartbeat: push the lease (a job's, or a bucket-event delivery's) out; False if it was
        lost (another worker has it)."""

    @abstractmethod
    def ack(self, lease: Delivery) -> None:
        """The job is finished (succeeded, dead or cancelled), or the bucket events were ingested:
        never deliver it again."""

    @abstractmethod
    def retry(self, lease: Lease, delay_s: float) -> None:
        """Release the lease; deliver again after delay_s."""

    def give_back(self, lease: Lease) -> None:
        """Release the lease of a job whose worker is stopping (a SIGTERM past its grace, Ctrl-C),
        deliverable at once; a queue that can does not count that delivery as an attempt (SQS
        counts every receive)."""
        self.retry(lease, 0.0)

    def defer(self, lease: Lease, delay_s: float) -> None:
        """Deliver the job again after ``delay_s``, this delivery not counted as an attempt: it was
        not begun (another job of its media was running). Here a new message, sent before this
        one is deleted (a crash between the two delivers it twice, which ``begin`` settles), so
        a queue that counts receives (SQS's redrive policy) starts the count again."""
        self.send(lease.job_id, delay_s)
        self.ack(lease)

    @abstractmethod
    def dead_letter(self, lease: Lease, error_code: str | None = None) -> None:
        """The job is dead: never deliver it again, and leave a letter where the queue's own
        tooling and alarms look for dead jobs (on SQS, the redrive policy's dead-letter queue; on
        the DB queue the job row's ``dead`` status is that letter, so this is ``ack``)."""

    @abstractmethod
    def drop_dead_letters(self, job_ids: Collection[str]) -> int:
        """Remove the dead letters of these jobs (retried or purged); returns how many went."""

    @abstractmethod
    def stats(self) -> dict[str, float]:
        """Counts of jobs by state, each a float.

        ``depth``: deliverable now (including a job whose lease expired); ``in_flight``: under a
        live lease; ``delayed``: held back by a send delay (and, on the DB queue, by a retry's
        backoff; SQS counts that as in flight); ``dead``; ``oldest_age_s``: seconds the oldest
        deliverable job has waited (absent on SQS, which publishes it only to CloudWatch).
        """

    def receive_any(self, visibility_s: float, wait_s: float = 0.0) -> Delivery | None:
        """The next job (``Lease``) or, on a queue that also carries S3 bucket events, the next
        ``EventDelivery``; None if there is neither within wait_s. An event delivery is leased
        like a job: ``ack`` it once its media and jobs exist."""
        return self.receive(visibility_s, wait_s)

    def interrupt_waits(self) -> None:
        """End the ``receive`` calls waiting in this process now: each returns None (a worker that
        stops need not wait out its wait). A queue whose waits happen elsewhere (SQS's long poll,
        on the server) has none to end: they run out."""
        return None

    def max_receive_count(self) -> int | None:
        """How many receives the queue allows before it moves a message aside by itself (SQS's
        redrive policy), or None when it never does."""
        return None

    def release_leases_of_gone_holders(self) -> list[str]:
        """End now the live leases whose holder is provably dead; returns those jobs' ids. Their
        jobs are delivered again at once, as if the leases had run out. A queue that cannot
        prove a holder dead releases nothing: the leases run out on their own."""
        return []
