"""The catalog job table as a queue under concurrent receivers on SQLite.

The Queue contract itself (leases, expiry, retries, receive counts, stats) is the shared suite in
tests/queue/conformance.py, run against this queue in tests/queue/test_db.py.
"""

import threading

from ulid import ULID

from mediasift.catalog import repo
from mediasift.catalog.models import Job, Media
from mediasift.runtime import Runtime


def _job(rt: Runtime) -> str:
    with rt.catalog.session() as s:
        repo.ensure_tenant(s, "t")
        media = Media(
            id=str(ULID()), tenant_id="t", filename="f", bytes=1, sha256=str(ULID()), original_key="k"
        )
        s.add(media)
        s.flush()
        job = Job(id=str(ULID()), media_id=media.id, tenant_id="t")
        s.add(job)
    rt.queue.send(job.id)
    return job.id


def test_two_workers_never_hold_the_same_job(runtime: Runtime):
    ids = {_job(runtime) for _ in range(20)}
    got: list[str] = []
    lock = threading.Lock()

    def drain() -> None:
        while (lease := runtime.queue.receive(visibility_s=60)) is not None:
            with lock:
                got.append(lease.job_id)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(ids)
