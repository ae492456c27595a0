"""What happens to a job after it fails."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class RetryPolicy:
    """How often and how patiently a job is tried again."""

    max_attempts: int = 5
    base_delay_s: float = 2.0
    max_delay_s: float = 300.0


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Seconds to wait before attempt number ``attempt``.

    The wait doubles with every attempt, is capped at ``policy.max_delay_s``, and a random share
    of it ("full jitter") keeps many workers from all trying again at the same moment.
    """
    rng = rng or random.Random()
    ceiling = min(policy.max_delay_s, policy.base_delay_s * 2 ** max(0, attempt - 1))
    return rng.uniform(0, ceiling)


def retry_failed_job(job, queue, policy: RetryPolicy, error: str) -> bool:
    """Put a job whose run raised ``error`` back on the queue to run again later.

    Returns False, and parks the job for a person instead, when it has used up its attempts.
    """
    job.attempts += 1
    job.last_error = error
    if job.attempts >= policy.max_attempts:
        queue.dead_letter(job, reason=error)
        return False
    queue.push(job, delay_s=backoff_delay(job.attempts, policy))
    return True
