"""Processes killed with SIGKILL mid-job, for real.

- Killed once, a job is leased again and completes once.
- A restarted embedded server takes back at once the job its killed predecessor held, instead of
  waiting out the lease (120 s by default).
- A job that keeps killing its worker (out of memory, a native decoder fault: here the test kills it
  each time the job runs) ends ``dead`` with ``worker_lost`` after ``max_attempts`` deliveries, and
  is never run again: on the DB queue on SQLite (``mediasift serve``) and on PostgreSQL, and on SQS
  (``mediasift worker`` processes).
"""

import io
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mediasift.catalog import jobs as job_rows
from mediasift.catalog import repo
from mediasift.catalog.models import Media
from mediasift.config import Settings
from mediasift.runtime import Runtime, open_runtime
from mediasift.services.ingest import ingest_stream
from tests.conftest import test_settings, wait_for_job
from tests.docgen import maintenance_log
from tests.scale.cluster import Cluster
from tests.scale.test_postgres import sqlalchemy_url
from tests.servers import free_port, serve


def _serve(home: Path, port: int) -> subprocess.Popen:
    return serve(home, port, visibility_timeout_s="3")


def test_killed_worker_job_is_redelivered_and_completes_once(tmp_path: Path):
    home, port = tmp_path / "home", free_port()
    doc = maintenance_log(tmp_path / "log.txt", 600)
    server = _serve(home, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with doc.open("rb") as f:
            created = httpx.post(f"{base}/v1/media", files={"file": ("log.txt", f)}, timeout=30).json()
        job_id = created["job"]["id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = httpx.get(f"{base}/v1/jobs/{job_id}", timeout=5).json()
            if job["stage"] == "embed" and job["progress"] > 0.1:
                break
            assert job["status"] in ("queued", "running"), job
            time.sleep(0.1)
        else:
            raise AssertionError("job never reached the embed stage")
        os.kill(server.pid, signal.SIGKILL)  # mid-job, no chance to clean up
        server.wait()
    finally:
        if server.poll() is None:
            server.kill()

    server = _serve(home, port)
    try:
        with httpx.Client(base_url=base, timeout=5) as client:
            job = wait_for_job(client, job_id, timeout_s=300)  # type: ignore[arg-type]
        assert job["status"] == "succeeded", job
        assert job["attempts"] == 2
        hits = httpx.get(f"{base}/v1/search", params={"q": "pump 534 vibration"}, timeout=30).json()["hits"]
        assert hits and hits[0]["media_id"] == created["media"]["id"]
        health = httpx.get(f"{base}/health", timeout=5).json()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    rt = open_runtime(Settings(home=home))  # the server is gone: this process may open its index
    try:
        with rt.catalog.session() as s:
            segments = repo.media_segments(s, "default", created["media"]["id"])
        points = rt.index.count("default")
    finally:
        rt.close()
    ordinals = [seg.ordinal for seg in segments]
    assert ordinals == list(range(len(segments)))  # one run's segments, not two interleaved
    assert points == len(segments) > 100  # one vector point per segment: none left from the killed run
    assert health["queue"]["depth"] == 0 and health["queue"]["in_flight"] == 0


# -- a restarted embedded server ------------------------------------------------------------------


def _upload(base: str, doc: Path) -> dict:
    with doc.open("rb") as f:
        return httpx.post(f"{base}/v1/media", files={"file": (doc.name, f)}, timeout=30).json()


def _wait_until_running(read_job: Callable[[], dict[str, Any]], attempt: int, timeout_s: float = 60) -> float:
    """Wait until the job runs its ``attempt``-th attempt inside the pipeline; returns when it did."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = read_job()
        if job["status"] == "running" and job["attempts"] == attempt and job["stage"] is not None:
            return time.monotonic()
        assert job["status"] in ("queued", "running", "failed"), job
        time.sleep(0.05)
    raise AssertionError(f"attempt {attempt} did not start in {timeout_s}s: {read_job()}")


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)  # no graceful stop, no ack, no lease release
    proc.wait()


def test_a_restarted_server_takes_back_its_killed_predecessors_job_at_once(tmp_path: Path):
    home, port = tmp_path / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {"shutdown_grace_s": "0"}  # the default 120 s lease
    server = serve(home, port, **settings)
    try:
        created = _upload(base, maintenance_log(tmp_path / "log.txt", 300))
        job_url = f"{base}/v1/jobs/{created['job']['id']}"
        _wait_until_running(lambda: httpx.get(job_url, timeout=5).json(), attempt=1)
        _kill(server)
        server = serve(home, port, **settings)
        ready = time.monotonic()
        rerun = _wait_until_running(lambda: httpx.get(job_url, timeout=5).json(), attempt=2, timeout_s=30)
    finally:
        _kill(server)
    assert rerun - ready < 10, f"the job ran again {rerun - ready:.1f}s after the restart"


# -- a job that keeps killing its worker ---------------------------------------------------------

MAX_ATTEMPTS = 2
LEASE_S = 2  # whole seconds, as SQS counts them


def _assert_dead_from_lost_workers(job: dict[str, Any], media_status: str) -> None:
    assert (job["status"], job["error_code"], job["attempts"]) == ("dead", "worker_lost", MAX_ATTEMPTS), job
    assert f"attempt {MAX_ATTEMPTS} of {MAX_ATTEMPTS}" in job["error"], job
    assert media_status == "failed"


def test_a_job_that_keeps_killing_the_embedded_server_ends_dead_after_max_attempts(tmp_path: Path):
    home, port = tmp_path / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {"max_attempts": str(MAX_ATTEMPTS), "visibility_timeout_s": str(LEASE_S)}
    server = serve(home, port, **settings)
    try:
        created = _upload(base, maintenance_log(tmp_path / "log.txt", 600))
        job_url = f"{base}/v1/jobs/{created['job']['id']}"
        for attempt in range(1, MAX_ATTEMPTS + 1):
            _wait_until_running(lambda: httpx.get(job_url, timeout=5).json(), attempt)
            _kill(server)
            server = serve(home, port, **settings)
        with httpx.Client(base_url=base, timeout=5) as client:
            job = wait_for_job(client, created["job"]["id"], timeout_s=30)  # type: ignore[arg-type]
            media = client.get(f"/v1/media/{created['media']['id']}").json()
            time.sleep(LEASE_S + 0.5)  # long enough for a redelivery, were there one
            again = client.get(job_url).json()
            queue = client.get("/health").json()["queue"]
    finally:
        _kill(server)
    _assert_dead_from_lost_workers(job, media["status"])
    assert again == job  # never run again
    assert (queue["depth"], queue["in_flight"], queue["dead"]) == (0, 0, 1)


def _catalog_job(rt: Runtime, job_id: str) -> dict[str, Any]:
    with rt.catalog.session() as s:
        job = job_rows.get_job(s, job_id)
        media = s.get(Media, job.media_id)
        assert media is not None
        return {
            "status": job.status, "attempts": job.attempts, "stage": job.stage, "error": job.error,
            "error_code": job.error_code, "media_status": media.status,
        }  # fmt: skip


def _kill_workers_until_dead(rt: Runtime, cluster: Cluster, job_id: str) -> dict[str, Any]:
    """Kill each worker process that runs the job; the one after the last attempt must bury it."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        cluster.start_worker(f"worker-{attempt}")
        _wait_until_running(lambda: _catalog_job(rt, job_id), attempt)
        cluster.kill(f"worker-{attempt}")
    cluster.start_worker("worker-last")
    deadline = time.monotonic() + 60
    while (job := _catalog_job(rt, job_id))["status"] != "dead":
        assert job["status"] in ("queued", "running", "failed"), f"{job}\n{cluster.all_logs()}"
        assert time.monotonic() < deadline, f"{job}\n{cluster.all_logs()}"
        time.sleep(0.1)
    time.sleep(LEASE_S + 1)  # long enough for a redelivery, were there one
    assert _catalog_job(rt, job_id) == job, "the dead job ran again"
    assert cluster.alive("worker-last"), cluster.all_logs()
    return job


def _worker_env(home: Path, **extra: str) -> dict[str, str]:
    return {
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        "MEDIASIFT_VISIBILITY_TIMEOUT_S": str(LEASE_S),
        "MEDIASIFT_HEARTBEAT_S": "0.5",
        "MEDIASIFT_POLL_INTERVAL_S": "0.1",
        "MEDIASIFT_MODEL_THREADS": "1",
        "MEDIASIFT_LOG_FORMAT": "console",
        **extra,
    }


def _ingest_long_log(rt: Runtime, tmp_path: Path) -> str:
    data = maintenance_log(tmp_path / "log.txt", 600).read_bytes()
    return ingest_stream(rt, "default", io.BytesIO(data), "log.txt").job.id  # type: ignore[union-attr]


def _uploader(home: Path, **overrides: Any) -> Runtime:
    """This test's own runtime on the workers' catalog, store and queue: it only uploads and reads
    the catalog, so its index is an in-memory one and the workers keep the embedded index."""
    return open_runtime(
        test_settings(home, max_attempts=MAX_ATTEMPTS, index="qdrant", qdrant_url=":memory:", **overrides)
    )


@pytest.mark.postgres
def test_a_job_that_keeps_killing_its_worker_ends_dead_on_postgres(tmp_path: Path, make_database):  # type: ignore[no-untyped-def]
    home, url = tmp_path / "home", sqlalchemy_url(make_database())
    rt = _uploader(home, catalog_url=url)
    cluster = Cluster(_worker_env(home, MEDIASIFT_CATALOG_URL=url), tmp_path / "logs")
    try:
        job_id = _ingest_long_log(rt, tmp_path)
        job = _kill_workers_until_dead(rt, cluster, job_id)
        stats = rt.queue.stats()
    finally:
        cluster.stop()
        rt.close()
    _assert_dead_from_lost_workers(job, job["media_status"])
    assert (stats["depth"], stats["in_flight"], stats["dead"]) == (0, 0, 1)


def test_a_job_that_keeps_killing_its_worker_ends_dead_on_sqs(
    tmp_path: Path, make_queue, sqs_client, monkeypatch
):  # type: ignore[no-untyped-def]
    aws = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name, value in aws.items():
        monkeypatch.setenv(name, value)
    # The redrive policy allows the delivery after the last attempt, so a worker sees it.
    urls = make_queue(visibility_s=LEASE_S, dlq_after=MAX_ATTEMPTS + 1)
    home = tmp_path / "home"
    queue = {"queue": "sqs", "sqs_queue_url": urls.url, "sqs_wait_s": 1}
    rt = _uploader(home, **queue)
    env = {f"MEDIASIFT_{k.upper()}": str(v) for k, v in queue.items()}
    cluster = Cluster(_worker_env(home, **env, **aws), tmp_path / "logs")
    try:
        job_id = _ingest_long_log(rt, tmp_path)
        job = _kill_workers_until_dead(rt, cluster, job_id)
    finally:
        cluster.stop()
        rt.close()
    _assert_dead_from_lost_workers(job, job["media_status"])
    letters = sqs_client.receive_message(QueueUrl=urls.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    bodies = [json.loads(m["Body"]) for m in letters.get("Messages", [])]
    assert bodies == [{"job_id": job_id, "error_code": "worker_lost", "receives": MAX_ATTEMPTS + 1}]
    left = sqs_client.get_queue_attributes(QueueUrl=urls.url, AttributeNames=["All"])["Attributes"]
    assert (left["ApproximateNumberOfMessages"], left["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")
