"""Waiting for in-process jobs, as a client would: one read of their statuses a poll.

A benchmark that times an ingest waits for its jobs while the workers run them, in the same
process. Each poll used to read every pending job apart on a write session (a transaction that
takes SQLite's write lock): ten jobs polled every 50 ms were ~8 % of a text ingest's samples,
holding the interpreter the workers' Python needs (docs/benchmarks.md, "Enrichment"). One query on
a read session a poll is what a client asking `GET /v1/jobs?ids=...` costs the server.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mediasift.catalog import jobs as job_rows

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

ENDED = ("succeeded", "dead")


def wait_for(rt: Runtime, tenant_id: str, job_ids: Iterable[str], poll_s: float = 0.05) -> None:
    """Return once every job of ``job_ids`` has succeeded or is dead."""
    pending = set(job_ids)
    while pending:
        with rt.catalog.read_session() as s:
            jobs = job_rows.list_jobs(s, tenant_id, ids=sorted(pending), limit=len(pending))
            pending -= {job.id for job in jobs if job.status in ENDED}
        if pending:
            time.sleep(poll_s)
