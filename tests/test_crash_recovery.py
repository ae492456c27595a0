"""A worker process killed with SIGKILL mid-job: the job is leased again and completes once."""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from mediasift.catalog import repo
from mediasift.config import Settings
from mediasift.runtime import open_runtime
from tests.conftest import wait_for_job
from tests.docgen import maintenance_log
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
