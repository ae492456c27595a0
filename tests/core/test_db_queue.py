"""The catalog job table behaves like SQS: leases, visibility expiry, retries, receive counts."""

import time

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


def test_a_leased_job_is_invisible_until_its_lease_expires(runtime: Runtime):
    job_id = _job(runtime)
    first = runtime.queue.receive(visibility_s=0.3)
    assert first is not None and first.job_id == job_id and first.attempts == 1
    assert runtime.queue.receive(visibility_s=0.3) is None
    time.sleep(0.35)
    second = runtime.queue.receive(visibility_s=5)
    assert second is not None and second.job_id == job_id and second.attempts == 2
    # the first holder's lease is gone: its heartbeat fails and its ack does nothing
    assert runtime.queue.extend(first, 5) is False
    assert runtime.queue.extend(second, 5) is True


def test_retry_delays_redelivery(runtime: Runtime):
    _job(runtime)
    lease = runtime.queue.receive(visibility_s=30)
    runtime.queue.retry(lease, delay_s=0.3)
    assert runtime.queue.receive(visibility_s=30) is None
    time.sleep(0.35)
    again = runtime.queue.receive(visibility_s=30)
    assert again is not None and again.attempts == 2


def test_acked_job_is_never_delivered_again(runtime: Runtime):
    job_id = _job(runtime)
    lease = runtime.queue.receive(visibility_s=0.1)
    with runtime.catalog.session() as s:
        s.get(Job, job_id).status = "succeeded"
    runtime.queue.ack(lease)
    time.sleep(0.15)
    assert runtime.queue.receive(visibility_s=1) is None


def test_stats_count_depth_and_in_flight(runtime: Runtime):
    _job(runtime)
    _job(runtime)
    assert runtime.queue.stats()["depth"] == 2
    runtime.queue.receive(visibility_s=30)
    stats = runtime.queue.stats()
    assert stats["depth"] == 1 and stats["in_flight"] == 1


def test_two_workers_never_hold_the_same_job(runtime: Runtime):
    import threading

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
