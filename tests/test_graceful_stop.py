"""SIGTERM stops a server's workers gracefully: a running job finishes, or its lease goes back."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from mediasift.catalog import repo
from mediasift.catalog.db import Catalog
from mediasift.catalog.models import Job
from mediasift.runtime import Runtime
from mediasift.worker.loop import start_worker_threads, stop_workers
from tests.conftest import wait_for_job
from tests.docgen import maintenance_log
from tests.servers import free_port, serve


def _upload_and_wait_for_embedding(base: str, doc: Path) -> dict:
    with doc.open("rb") as f:
        created = httpx.post(f"{base}/v1/media", files={"file": (doc.name, f)}, timeout=30).json()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = httpx.get(f"{base}/v1/jobs/{created['job']['id']}", timeout=5).json()
        if job["status"] == "running" and job["stage"] == "embed":
            return created
        assert job["status"] in ("queued", "running"), job
        time.sleep(0.05)
    raise AssertionError("job never reached the embed stage")


def _stop(server: subprocess.Popen, within_s: float) -> float:
    started = time.monotonic()
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=within_s) == 0
    return time.monotonic() - started


def _job(home: Path, job_id: str) -> Job:
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    try:
        with catalog.session() as s:
            job = s.get(Job, job_id)
            s.expunge(job)
            return job
    finally:
        catalog.close()


def test_sigterm_lets_the_running_job_finish_before_the_server_exits(tmp_path: Path):
    home, port = tmp_path / "home", free_port()
    server = serve(home, port)
    try:
        created = _upload_and_wait_for_embedding(
            f"http://127.0.0.1:{port}", maintenance_log(tmp_path / "a.txt", 300)
        )
        _stop(server, within_s=90)
    finally:
        if server.poll() is None:
            server.kill()
    job = _job(home, created["job"]["id"])
    assert (job.status, job.attempts, job.lease_token) == ("succeeded", 1, None)


def test_a_job_still_running_after_the_grace_period_is_released_and_runs_again_once(tmp_path: Path):
    home, port = tmp_path / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    # A lease far longer than the test: only an explicit release can make the job visible again.
    settings = {"visibility_timeout_s": "3600", "shutdown_grace_s": "0.5"}
    log = tmp_path / "serve.log"
    server = serve(home, port, log_file=log, **settings)
    try:
        created = _upload_and_wait_for_embedding(base, maintenance_log(tmp_path / "long.txt", 300))
        assert _stop(server, within_s=30) < 20  # did not wait for the job
    finally:
        if server.poll() is None:
            server.kill()
    # a stop that waited for jobs had said nothing: a slow stop looked like a hang
    said = [json.loads(line)["event"] for line in log.read_text().splitlines() if line.startswith("{")]
    assert "stopping: waiting up to 0.5 s for 1 running job(s)" in said
    assert "stopped: 1 job(s) still running after 0.5 s went back to the queue" in said
    released = _job(home, created["job"]["id"])
    # given back unfinished: the attempt it had begun does not count against the job
    assert (released.status, released.attempts, released.lease_token) == ("queued", 0, None)

    server = serve(home, port, visibility_timeout_s="3600")
    try:
        with httpx.Client(base_url=base, timeout=5) as client:
            job = wait_for_job(client, created["job"]["id"], timeout_s=300)  # type: ignore[arg-type]
        assert (job["status"], job["attempts"]) == ("succeeded", 1), job
    finally:
        _stop(server, within_s=90)
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    with catalog.session() as s:
        segments = repo.media_segments(s, "default", created["media"]["id"])
    assert [seg.ordinal for seg in segments] == list(range(len(segments)))  # one run's segments


def test_a_spot_interruption_sigterm_releases_the_workers_lease(tmp_path: Path):
    # On AWS a Spot interruption (Fargate Spot, or the GPU capacity provider's Spot instances with
    # ECS_ENABLE_SPOT_INSTANCE_DRAINING) reaches `mediasift worker` as SIGTERM, two minutes before
    # the machine goes. The job must not wait out its lease on a machine that is gone.
    home, port = tmp_path / "home", free_port()
    # The embedded index belongs to one process: queue the job through an API without workers,
    # stop it, then let a lone `mediasift worker` take the job.
    api = serve(home, port, workers="0")
    try:
        doc = maintenance_log(tmp_path / "spot.txt", 300)
        with doc.open("rb") as f:
            created = httpx.post(
                f"http://127.0.0.1:{port}/v1/media", files={"file": (doc.name, f)}, timeout=30
            ).json()
        _stop(api, within_s=30)
    finally:
        if api.poll() is None:
            api.kill()
    env = {
        **os.environ,
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_HEARTBEAT_S": "0.5",
        "MEDIASIFT_POLL_INTERVAL_S": "0.1",
        "MEDIASIFT_VISIBILITY_TIMEOUT_S": "3600",  # only an explicit release frees the job in time
        "MEDIASIFT_SHUTDOWN_GRACE_S": "0.5",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "mediasift", "worker", "--threads", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while (job := _job(home, created["job"]["id"])).stage != "embed" or job.status != "running":
            assert job.status in ("queued", "running") and time.monotonic() < deadline, job.status
            time.sleep(0.05)
        assert _stop(worker, within_s=30) < 20  # well inside the two-minute notice
    finally:
        if worker.poll() is None:
            worker.kill()
    released = _job(home, created["job"]["id"])
    # given back unfinished: the attempt it had begun does not count against the job
    assert (released.status, released.attempts, released.lease_token) == ("queued", 0, None)


def test_stopping_idle_workers_ends_their_wait_for_a_job_at_once(runtime: Runtime):
    workers = start_worker_threads(runtime, 2)
    time.sleep(0.2)  # both wait in the queue's receive, a second at a time
    started = time.monotonic()
    stop_workers(workers, grace_s=30)
    assert time.monotonic() - started < 0.5  # not the rest of their wait
    assert not any(w.thread is not None and w.thread.is_alive() for w in workers)


def test_ctrl_c_during_an_in_process_ingest_gives_the_running_job_back_at_once(tmp_path: Path):
    # No server: `ingest --wait` runs the job in its own workers. One Ctrl-C had waited out the
    # job or its grace (up to 100 s, saying nothing), and a second one had failed the job as the
    # interpreter shut down under it.
    home = tmp_path / "home"
    doc = maintenance_log(tmp_path / "long.txt", 300)
    env = {**os.environ, "MEDIASIFT_HOME": str(home), "MEDIASIFT_VISIBILITY_TIMEOUT_S": "3600"}
    command = subprocess.Popen(
        [sys.executable, "-m", "mediasift", "ingest", str(doc), "--wait"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert command.poll() is None and time.monotonic() < deadline, command.communicate()
            jobs = _jobs(home) if (home / "catalog.db").exists() else []
            if jobs and jobs[0].status == "running" and jobs[0].stage == "embed":
                break
            time.sleep(0.1)
        started = time.monotonic()
        command.send_signal(signal.SIGINT)
        _, stderr = command.communicate(timeout=60)
        assert command.returncode == 130, stderr
        assert time.monotonic() - started < 15, stderr
    finally:
        if command.poll() is None:
            command.kill()
    assert "interrupted: 1 job(s) went back to the queue" in stderr  # the job, not each thread
    [job] = _jobs(home)
    # not counted: three Ctrl-C had used up its attempts and made it dead as worker_lost
    assert (job.status, job.attempts, job.lease_token) == ("queued", 0, None)


def _jobs(home: Path) -> list[Job]:
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    try:
        with catalog.session() as s:
            jobs = list(s.query(Job).all())
            s.expunge_all()
            return jobs
    except Exception:  # the catalog is being created
        return []
    finally:
        catalog.close()
