"""An in-memory job queue with leases, as the database-backed one behaves."""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field


@dataclass(order=True)
class Job:
    run_at: float
    id: str = field(compare=False)
    payload: dict = field(compare=False, default_factory=dict)
    attempts: int = field(compare=False, default=0)
    last_error: str | None = field(compare=False, default=None)
    leased_until: float = field(compare=False, default=0.0)


class JobQueue:
    """Jobs waiting to run, ordered by when they may run."""

    def __init__(self, visibility_timeout_s: float = 30.0) -> None:
        self.visibility_timeout_s = visibility_timeout_s
        self._waiting: list[Job] = []
        self._leased: dict[str, Job] = {}
        self.parked: list[tuple[Job, str]] = []

    def push(self, job: Job, delay_s: float = 0.0) -> None:
        """Add a job that may run ``delay_s`` seconds from now."""
        job.run_at = time.time() + delay_s
        heapq.heappush(self._waiting, job)

    def lease(self, now: float | None = None) -> Job | None:
        """Hand the next due job to a worker and hide it from the others for a while.

        If the worker does not acknowledge it before the visibility timeout, the job becomes
        visible again and another worker gets it.
        """
        now = time.time() if now is None else now
        self._requeue_expired(now)
        if not self._waiting or self._waiting[0].run_at > now:
            return None
        job = heapq.heappop(self._waiting)
        job.leased_until = now + self.visibility_timeout_s
        self._leased[job.id] = job
        return job

    def ack(self, job_id: str) -> None:
        """The job finished: forget it."""
        self._leased.pop(job_id, None)

    def dead_letter(self, job: Job, reason: str) -> None:
        """Set aside a job that keeps failing so that a person can inspect it."""
        self._leased.pop(job.id, None)
        self.parked.append((job, reason))

    def _requeue_expired(self, now: float) -> None:
        for job_id, job in list(self._leased.items()):
            if job.leased_until <= now:
                del self._leased[job_id]
                heapq.heappush(self._waiting, job)
