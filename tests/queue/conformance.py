"""The ``Queue`` contract every backend shares, as one suite each backend's tests inherit.

Plug a backend in by subclassing ``QueueConformance`` and providing two fixtures: ``queue``, an
empty queue private to the test, and ``new_job``, a factory for a job the queue can carry (a
catalog row for the DB queue; SQS only needs the id its message carries)::

    class TestMyQueue(QueueConformance):
        @pytest.fixture
        def queue(self) -> Queue:
            return MyQueue(...)

        @pytest.fixture
        def new_job(self) -> Callable[[], str]:
            return lambda: str(ULID())

Where a backend differs *by design*, its class sets a capability flag (below); the tests that
depend on it assert the flagged behaviour or say why they do not apply. Visibility timeouts and
delays are whole seconds because SQS knows no finer ones; sleeps overshoot them by ``SLACK_S``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from mediasift.queue.base import Lease, Queue

SHORT_S = 1  # a lease or delay the test waits out
LONG_S = 30  # a lease or delay no test outlives
SLACK_S = 0.3


def past(seconds: float) -> None:
    """Sleep until a lease or delay of ``seconds`` taken just now has certainly run out."""
    time.sleep(seconds + SLACK_S)


class QueueConformance:
    #: A superseded receipt (from before the job's redelivery) is refused: its ``extend`` returns
    #: False and its ``ack``/``retry`` leave the new holder alone. SQS does not promise this: AWS
    #: documents that a delete with an old receipt handle "succeeds, but the message might not be
    #: deleted", and old handles may still change visibility. There the catalog's job row (its
    #: attempt count) is what tells a worker it was overtaken.
    refuses_superseded_receipts: bool = True
    #: A retry's backoff counts as ``in_flight`` rather than ``delayed``: SQS implements the
    #: backoff as a visibility timeout, which its counters cannot tell from a lease.
    backoff_counts_as_in_flight: bool = False
    #: ``stats()`` has ``oldest_age_s``. SQS publishes that age only as a CloudWatch metric.
    reports_oldest_age: bool = True

    @pytest.fixture
    def queue(self) -> Queue:
        raise NotImplementedError("a backend's test class provides the queue fixture")

    @pytest.fixture
    def new_job(self) -> Callable[[], str]:
        raise NotImplementedError("a backend's test class provides the new_job fixture")

    @pytest.fixture
    def sent(self, queue: Queue, new_job: Callable[[], str]) -> str:
        """One job, sent without delay."""
        job_id = new_job()
        queue.send(job_id)
        return job_id

    @staticmethod
    def counts(queue: Queue) -> tuple[float, float, float]:
        stats = queue.stats()
        return stats["depth"], stats["in_flight"], stats["delayed"]

    # -- delivery ------------------------------------------------------------------------------

    def test_sent_job_is_received_as_a_first_attempt_lease(self, queue: Queue, sent: str) -> None:
        lease = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert isinstance(lease, Lease)
        assert (lease.job_id, lease.attempts) == (sent, 1)
        assert lease.receipt

    def test_receive_any_hands_out_a_job_as_the_lease_receive_would(self, queue: Queue, sent: str) -> None:
        lease = queue.receive_any(visibility_s=LONG_S, wait_s=1)
        assert isinstance(lease, Lease) and (lease.job_id, lease.attempts) == (sent, 1)
        assert queue.receive(visibility_s=LONG_S, wait_s=0) is None  # it is leased, as by receive

    def test_leased_job_is_invisible_to_a_second_receive(self, queue: Queue, sent: str) -> None:
        assert queue.receive(visibility_s=LONG_S, wait_s=1) is not None
        assert queue.receive(visibility_s=LONG_S, wait_s=0) is None

    def test_expired_lease_redelivers_with_a_new_receipt_and_one_more_attempt(
        self, queue: Queue, sent: str
    ) -> None:
        first = queue.receive(visibility_s=SHORT_S, wait_s=1)
        assert first is not None
        past(SHORT_S)  # its worker died: no heartbeat
        second = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert second is not None and second.job_id == sent
        assert (first.attempts, second.attempts) == (1, 2)
        assert second.receipt != first.receipt

    def test_empty_queue_returns_none_after_about_the_wait(self, queue: Queue) -> None:
        started = time.monotonic()
        assert queue.receive(visibility_s=LONG_S, wait_s=1) is None
        elapsed = time.monotonic() - started
        assert 0.9 <= elapsed < 3.0  # it waited instead of returning at once, but not much longer

    def test_a_job_sent_during_the_wait_is_received_before_the_wait_ends(
        self, queue: Queue, new_job: Callable[[], str]
    ) -> None:
        job_id = new_job()
        sender = threading.Timer(0.3, queue.send, args=(job_id,))
        started = time.monotonic()
        sender.start()
        lease = queue.receive(visibility_s=LONG_S, wait_s=8)
        sender.join()
        assert lease is not None and lease.job_id == job_id
        assert time.monotonic() - started < 4

    def test_send_with_delay_is_not_deliverable_before_it(
        self, queue: Queue, new_job: Callable[[], str]
    ) -> None:
        job_id = new_job()
        queue.send(job_id, delay_s=SHORT_S)
        assert queue.receive(visibility_s=LONG_S, wait_s=0) is None
        past(SHORT_S)
        lease = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert lease is not None and (lease.job_id, lease.attempts) == (job_id, 1)

    # -- heartbeat -----------------------------------------------------------------------------

    def test_extend_keeps_the_job_hidden_past_its_first_timeout(self, queue: Queue, sent: str) -> None:
        lease = queue.receive(visibility_s=SHORT_S, wait_s=1)
        assert lease is not None
        assert queue.extend(lease, visibility_s=LONG_S) is True
        past(SHORT_S)
        assert queue.receive(visibility_s=LONG_S, wait_s=0) is None
        assert queue.extend(lease, visibility_s=LONG_S) is True  # the heartbeat goes on

    def test_extend_after_ack_reports_the_lease_lost(self, queue: Queue, sent: str) -> None:
        lease = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert lease is not None
        queue.ack(lease)
        assert queue.extend(lease, visibility_s=LONG_S) is False

    # -- ack and retry -------------------------------------------------------------------------

    def test_acked_job_is_never_delivered_again(self, queue: Queue, sent: str) -> None:
        lease = queue.receive(visibility_s=SHORT_S, wait_s=1)
        assert lease is not None
        queue.ack(lease)
        past(SHORT_S)  # past the lease it had: no redelivery either
        assert queue.receive(visibility_s=LONG_S, wait_s=0) is None
        assert self.counts(queue) == (0, 0, 0)

    def test_a_dead_letter_is_never_delivered_again(self, queue: Queue, sent: str) -> None:
        lease = queue.receive(visibility_s=SHORT_S, wait_s=1)
        assert lease is not None
        queue.dead_letter(lease, "corrupt_media")
        past(SHORT_S)
        assert queue.receive(visibility_s=SHORT_S, wait_s=0) is None
        assert self.counts(queue) == (0, 0, 0)

    def test_retry_redelivers_only_after_the_delay(self, queue: Queue, sent: str) -> None:
        lease = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert lease is not None
        queue.retry(lease, delay_s=SHORT_S)
        assert queue.receive(visibility_s=LONG_S, wait_s=0) is None
        past(SHORT_S)
        again = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert again is not None and (again.job_id, again.attempts) == (sent, 2)

    def test_retry_without_delay_redelivers_at_once(self, queue: Queue, sent: str) -> None:
        lease = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert lease is not None
        queue.retry(lease, delay_s=0)  # e.g. a worker shutting down hands its job back
        again = queue.receive(visibility_s=LONG_S, wait_s=0)
        assert again is not None and (again.job_id, again.attempts) == (sent, 2)

    def test_a_deferred_job_comes_back_after_the_delay_its_delivery_not_counted(
        self, queue: Queue, sent: str
    ) -> None:
        lease = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert lease is not None
        queue.defer(lease, delay_s=SHORT_S)  # another job of its media was running
        assert queue.receive(visibility_s=LONG_S, wait_s=0) is None
        past(SHORT_S)
        again = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert again is not None and (again.job_id, again.attempts) == (sent, 1)
        queue.ack(again)
        assert queue.receive(visibility_s=LONG_S, wait_s=0) is None  # one delivery left, not two

    def test_superseded_lease_cannot_disturb_the_new_holder(self, queue: Queue, sent: str) -> None:
        if not self.refuses_superseded_receipts:
            pytest.skip(f"{type(self).__name__}: superseded receipts are not refused (by design)")
        first = queue.receive(visibility_s=SHORT_S, wait_s=1)
        assert first is not None
        past(SHORT_S)
        second = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert second is not None and second.job_id == sent
        # The first holder wakes up late: its heartbeat is refused, its ack and retry change nothing.
        assert queue.extend(first, visibility_s=LONG_S) is False
        queue.ack(first)
        queue.retry(first, delay_s=0)
        assert queue.receive(visibility_s=LONG_S, wait_s=0) is None
        assert self.counts(queue) == (0, 1, 0)
        assert queue.extend(second, visibility_s=LONG_S) is True
        queue.ack(second)
        assert self.counts(queue) == (0, 0, 0)

    # -- stats ---------------------------------------------------------------------------------

    def test_stats_of_an_empty_queue_are_zero(self, queue: Queue) -> None:
        assert self.counts(queue) == (0, 0, 0)

    def test_stats_move_a_job_from_depth_to_in_flight_and_back_when_its_lease_expires(
        self, queue: Queue, new_job: Callable[[], str]
    ) -> None:
        for _ in range(3):
            queue.send(new_job())
        assert self.counts(queue) == (3, 0, 0)
        assert queue.receive(visibility_s=SHORT_S, wait_s=1) is not None
        assert self.counts(queue) == (2, 1, 0)
        past(SHORT_S)  # a crashed worker's job is waiting again, not running
        assert self.counts(queue) == (3, 0, 0)

    def test_stats_count_a_delayed_send_as_delayed(self, queue: Queue, new_job: Callable[[], str]) -> None:
        queue.send(new_job(), delay_s=LONG_S)
        assert self.counts(queue) == (0, 0, 1)

    def test_stats_count_a_retry_backoff_per_the_backend(self, queue: Queue, sent: str) -> None:
        lease = queue.receive(visibility_s=LONG_S, wait_s=1)
        assert lease is not None
        queue.retry(lease, delay_s=LONG_S)
        assert self.counts(queue) == ((0, 1, 0) if self.backoff_counts_as_in_flight else (0, 0, 1))

    def test_oldest_age_is_how_long_the_oldest_deliverable_job_has_waited(
        self, queue: Queue, new_job: Callable[[], str]
    ) -> None:
        if not self.reports_oldest_age:
            assert "oldest_age_s" not in queue.stats()  # absent, never a misleading 0
            return
        assert queue.stats()["oldest_age_s"] == 0
        queue.send(new_job())
        time.sleep(0.5)
        queue.send(new_job(), delay_s=LONG_S)  # not deliverable yet: it has not started waiting
        assert 0.5 <= queue.stats()["oldest_age_s"] < 5
        while queue.receive(visibility_s=LONG_S, wait_s=0) is not None:
            pass
        assert queue.stats()["oldest_age_s"] == 0  # a leased job is not waiting
