"""Cancelling jobs (queued and running, over real HTTP with a real server process), and the
dead-letter queue's admin endpoints."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from mediasift.worker.loop import Worker
from tests.docgen import maintenance_log
from tests.ops.conftest import bearer, new_key
from tests.servers import free_port, serve


def test_a_queued_job_cancels_at_once_and_is_never_delivered(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt)
    created = api.post("/v1/media", files={"file": ("a.txt", b"never processed")}).json()
    cancelled = api.post(f"/v1/jobs/{created['job']['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Worker(rt).run_once() is False  # the queue never hands out a cancelled job
    assert api.get(f"/v1/media/{created['media']['id']}").json()["status"] == "failed"
    again = api.post(f"/v1/jobs/{created['job']['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_dead_jobs_are_listed_retried_and_purged_by_admin(make_runtime, client_for):
    rt = make_runtime()
    api = client_for(rt, workers=1)
    admin = new_key(rt, "ops", "admin")
    writer = new_key(rt, "acme", "read,write")
    bad = api.post(
        "/v1/media", files={"file": ("broken.pdf", b"%PDF-1.4\nnot really")}, headers=bearer(writer)
    )
    job_id = bad.json()["job"]["id"]
    deadline = time.monotonic() + 60
    while api.get(f"/v1/jobs/{job_id}", headers=bearer(writer)).json()["status"] != "dead":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    dlq = api.get("/v1/admin/dlq", headers=bearer(admin)).json()["jobs"]
    assert [(j["id"], j["tenant"]) for j in dlq] == [(job_id, "acme")]
    assert api.get("/v1/admin/queue", headers=bearer(admin)).json()["dead"] == 1
    retried = api.post("/v1/admin/dlq/retry", json={"tenant": "acme"}, headers=bearer(admin)).json()["jobs"]
    assert [j["id"] for j in retried] == [job_id] and retried[0]["attempts"] == 0
    deadline = time.monotonic() + 60
    while api.get(f"/v1/jobs/{job_id}", headers=bearer(writer)).json()["status"] != "dead":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert api.post("/v1/admin/dlq/purge", json={"tenant": "acme"}, headers=bearer(admin)).json() == {
        "count": 1
    }
    assert api.get(f"/v1/media/{bad.json()['media']['id']}", headers=bearer(writer)).status_code == 404


def _serve(home: Path, port: int) -> subprocess.Popen:
    return serve(home, port)


def _cli(home: Path, *args: str, key: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MEDIASIFT_HOME": str(home)}
    env.pop("MEDIASIFT_API_KEY", None)
    if key:
        env["MEDIASIFT_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "mediasift", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_a_running_job_cancels_at_its_next_progress_report_over_real_http(tmp_path: Path):
    home, port = tmp_path / "home", free_port()
    key = _cli(home, "keys", "create", "--tenant", "acme", "--scopes", "read,write").stdout.strip()
    doc = maintenance_log(tmp_path / "log.txt", 1500)
    server = _serve(home, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with doc.open("rb") as f:
            created = httpx.post(
                f"{base}/v1/media", files={"file": ("log.txt", f)}, headers=bearer(key), timeout=30
            )
        assert created.status_code == 202, created.text
        job_id, media_id = created.json()["job"]["id"], created.json()["media"]["id"]
        deadline = time.monotonic() + 120
        while (job := httpx.get(f"{base}/v1/jobs/{job_id}", headers=bearer(key)).json())["stage"] != "embed":
            assert time.monotonic() < deadline and job["status"] in ("queued", "running"), job
            time.sleep(0.05)
        cancelled = httpx.post(f"{base}/v1/jobs/{job_id}/cancel", headers=bearer(key))
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        # the next progress report comes after the embedding batch in flight: on 2 loaded cores, long
        deadline = time.monotonic() + 120
        while (job := httpx.get(f"{base}/v1/jobs/{job_id}", headers=bearer(key)).json())[
            "finished_at"
        ] is None:
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        assert job["status"] == "cancelled"
        media = httpx.get(f"{base}/v1/media/{media_id}", headers=bearer(key)).json()
        assert media["status"] == "failed" and media["segments"] == []
        # the CLI sends MEDIASIFT_API_KEY as a bearer token to the running server
        listed = _cli(home, "jobs", "--json", key=key)
        assert listed.returncode == 0, listed.stderr
        assert '"status": "cancelled"' in listed.stdout
        refused = _cli(home, "jobs", "--json")
        assert refused.returncode == 2 and "unauthorized" in refused.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_a_reprocess_that_dies_keeps_the_results_that_stand_and_purge_keeps_the_media(
    make_runtime, client_for, monkeypatch
):
    from mediasift.errors import BackendUnavailable

    rt = make_runtime(max_attempts=1, enrich=False)
    api = client_for(rt, workers=1)
    created = api.post(
        "/v1/media", files={"file": ("lighthouse.txt", b"The lighthouse lamp turns twice a minute.")}
    )
    media_id = created.json()["media"]["id"]
    deadline = time.monotonic() + 60
    while api.get(f"/v1/jobs/{created.json()['job']['id']}").json()["status"] != "succeeded":
        assert time.monotonic() < deadline
        time.sleep(0.1)

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise BackendUnavailable("index unavailable")

    for method in ("delete_media", "upsert", "replace_media"):  # the index down while the media is read again
        monkeypatch.setattr(rt.index, method, down)
    job_id = api.post(f"/v1/media/{media_id}/reprocess").json()["id"]
    deadline = time.monotonic() + 60
    while api.get(f"/v1/jobs/{job_id}").json()["status"] != "dead":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    monkeypatch.undo()
    media = api.get(f"/v1/media/{media_id}").json()
    # its results stand (search finds them), so it is ready; the outage is its error
    assert media["status"] == "ready" and "index unavailable" in media["error"]
    hits = api.get("/v1/search", params={"q": "lighthouse lamp", "mode": "keyword"}).json()["hits"]
    assert [h["media_id"] for h in hits] == [media_id]
    assert api.post("/v1/admin/dlq/purge", json={}).json() == {"count": 0}
    assert api.get(f"/v1/media/{media_id}").status_code == 200
    assert api.get("/v1/admin/dlq").json()["jobs"] == [] and api.get(f"/v1/jobs/{job_id}").status_code == 404


def test_a_later_read_that_succeeds_answers_the_dead_one(make_runtime, client_for, monkeypatch):
    from mediasift.errors import BackendUnavailable

    rt = make_runtime(max_attempts=1, enrich=False)
    api = client_for(rt, workers=1)
    created = api.post("/v1/media", files={"file": ("buoy.txt", b"The harbour buoy rings in fog.")}).json()

    def ended(job_id: str, status: str) -> None:
        deadline = time.monotonic() + 60
        while api.get(f"/v1/jobs/{job_id}").json()["status"] != status:
            assert time.monotonic() < deadline
            time.sleep(0.1)

    ended(created["job"]["id"], "succeeded")

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise BackendUnavailable("index unavailable")

    monkeypatch.setattr(rt.index, "replace_media", down)
    dead = api.post(f"/v1/media/{created['media']['id']}/reprocess").json()["id"]
    ended(dead, "dead")
    assert [j["id"] for j in api.get("/v1/admin/dlq").json()["jobs"]] == [dead]
    monkeypatch.undo()

    # the index back, the media read again: its dead read is answered, and no letter is left
    # (a "DLQ > 0" alarm had stayed on for a media that is fine)
    ended(api.post(f"/v1/media/{created['media']['id']}/reprocess").json()["id"], "succeeded")
    assert api.get("/v1/admin/dlq").json()["jobs"] == [] and api.get(f"/v1/jobs/{dead}").status_code == 404
    assert api.get("/health").json()["queue"]["dead"] == 0


def test_a_media_deleted_while_its_job_runs_leaves_nothing_the_job_wrote(
    make_runtime, client_for, monkeypatch
):
    # a recording's transcripts, written a second after the delete, had stayed on disk
    from mediasift.services.media import delete_media
    from mediasift.store.base import processed_key
    from mediasift.worker import pipeline

    rt = make_runtime(enrich=False)
    api = client_for(rt, workers=1)
    real = pipeline.embed_segments

    def deleted_midway(rt_, tenant_id, segments, kind, progress):  # type: ignore[no-untyped-def]
        media_id = segments[0].media_id
        delete_media(rt_, tenant_id, media_id)  # the user deletes it while the job runs
        rt_.store.put_bytes(processed_key(tenant_id, media_id, "transcript.txt"), b"words said")
        return real(rt_, tenant_id, segments, kind, progress)

    monkeypatch.setattr(pipeline, "embed_segments", deleted_midway)
    created = api.post("/v1/media", files={"file": ("talk.txt", b"The ferry leaves at nine from pier four.")})
    media_id, job_id = created.json()["media"]["id"], created.json()["job"]["id"]
    deadline = time.monotonic() + 60
    while api.get(f"/v1/jobs/{job_id}").status_code == 200:  # its job goes with the media
        assert time.monotonic() < deadline
        time.sleep(0.1)
    while list(rt.store.list(f"processed/default/{media_id}/")):  # until the attempt has ended
        assert time.monotonic() < deadline, "what the job wrote after the delete stayed"
        time.sleep(0.1)
    assert api.get(f"/v1/media/{media_id}").status_code == 404
    assert api.get("/v1/search", params={"q": "ferry pier four", "mode": "keyword"}).json()["hits"] == []


def test_reprocess_asked_again_while_one_waits_is_that_one(make_runtime, client_for):
    # three POSTs had made three jobs, each running the whole pipeline again
    from mediasift.worker.loop import Worker

    rt = make_runtime(enrich=False)
    api = client_for(rt)  # no worker: jobs wait
    created = api.post("/v1/media", files={"file": ("a.txt", b"The ferry leaves at nine.")}).json()
    media_id = created["media"]["id"]
    first = api.post(f"/v1/media/{media_id}/reprocess").json()
    assert first["id"] == created["job"]["id"]  # the upload's own job is still waiting: it is the one
    assert Worker(rt).run_once() is True  # it runs
    again = [api.post(f"/v1/media/{media_id}/reprocess").json()["id"] for _ in range(3)]
    assert len(set(again)) == 1 and again[0] != first["id"]
    assert Worker(rt).run_once() is True and Worker(rt).run_once() is False  # one more run, no more


def test_a_reprocess_asked_while_its_media_runs_waits_for_that_run(make_runtime, client_for, monkeypatch):
    # A second worker had run the reprocess beside the running ingest: two pipelines wrote one
    # media's segments and points over each other.
    from mediasift.jobs import lifecycle

    # long enough that the checks between the deferral and "not back yet" fit in it on a loaded
    # machine (0.3 s did not, once, beside a full test run)
    monkeypatch.setattr(lifecycle, "BUSY_DEFER_S", 1.5)
    rt = make_runtime(enrich=False)
    api = client_for(rt)  # no worker: the test runs the attempts
    created = api.post("/v1/media", files={"file": ("a.txt", b"The ferry leaves at nine.")}).json()
    media_id = created["media"]["id"]
    ingest = rt.queue.receive(visibility_s=60, wait_s=1)
    assert ingest is not None and lifecycle.begin(rt, ingest) is not None  # running
    reprocess = api.post(f"/v1/media/{media_id}/reprocess").json()
    assert reprocess["id"] != created["job"]["id"]

    second = rt.queue.receive(visibility_s=60, wait_s=1)
    assert second is not None and second.job_id == reprocess["id"]
    assert lifecycle.begin(rt, second) is None  # not begun: the ingest runs
    waiting = api.get(f"/v1/jobs/{reprocess['id']}").json()
    assert (waiting["status"], waiting["attempts"]) == ("queued", 0)  # and not counted as an attempt
    assert rt.queue.receive(visibility_s=60, wait_s=0) is None  # back only after the delay

    lifecycle.succeed(rt, ingest)
    time.sleep(1.55)
    third = rt.queue.receive(visibility_s=60, wait_s=1)
    assert third is not None and third.job_id == reprocess["id"] and third.attempts == 1
    assert lifecycle.begin(rt, third) is not None  # the ingest over, the reprocess runs
    assert api.get(f"/v1/jobs/{reprocess['id']}").json()["status"] == "running"


def test_a_job_cancelled_while_it_runs_holds_its_media_until_its_attempt_stops(
    make_runtime, client_for, monkeypatch
):
    from mediasift.jobs import lifecycle

    monkeypatch.setattr(lifecycle, "BUSY_DEFER_S", 0.3)
    rt = make_runtime(enrich=False)
    api = client_for(rt)
    created = api.post("/v1/media", files={"file": ("a.txt", b"The ferry leaves at nine.")}).json()
    media_id = created["media"]["id"]
    ingest = rt.queue.receive(visibility_s=60, wait_s=1)
    assert ingest is not None and lifecycle.begin(rt, ingest) is not None
    # cancelled, but its attempt stops only at its next progress report: the reprocess asked at
    # once had run beside it
    assert api.post(f"/v1/jobs/{ingest.job_id}/cancel").json()["status"] == "cancelled"
    reprocess = api.post(f"/v1/media/{media_id}/reprocess").json()
    leased = rt.queue.receive(visibility_s=60, wait_s=1)
    assert leased is not None and leased.job_id == reprocess["id"]
    # leased, not begun: a second reprocess asked now is this one, not a second job
    assert api.post(f"/v1/media/{media_id}/reprocess").json()["id"] == reprocess["id"]
    assert lifecycle.begin(rt, leased) is None
    assert api.post(f"/v1/media/{media_id}/reprocess").json()["id"] == reprocess["id"]

    lifecycle.finish_cancelled(rt, ingest)  # the attempt stops
    time.sleep(0.35)
    again = rt.queue.receive(visibility_s=60, wait_s=1)
    assert again is not None and again.job_id == reprocess["id"] and lifecycle.begin(rt, again) is not None


def test_a_job_whose_worker_vanished_says_so_when_it_runs_again(make_runtime, client_for, caplog):
    """After a kill -9 the job ran again on another worker, and only "attempts: 2" at its end said
    anything had happened."""
    import logging

    from mediasift.jobs import lifecycle

    rt = make_runtime(enrich=False)
    api = client_for(rt)  # no worker: the test runs the attempts
    api.post("/v1/media", files={"file": ("a.txt", b"The ferry leaves at nine.")})
    first = rt.queue.receive(visibility_s=0.2, wait_s=1)
    assert first is not None and lifecycle.begin(rt, first) is not None  # its worker is then killed
    time.sleep(0.3)  # the lease runs out
    again = rt.queue.receive(visibility_s=60, wait_s=1)
    assert again is not None and again.job_id == first.job_id
    with caplog.at_level(logging.WARNING, logger="mediasift.jobs"):
        assert lifecycle.begin(rt, again) is not None
    said = [r.getMessage() for r in caplog.records if r.name == "mediasift.jobs"]
    assert any(
        f"job {first.job_id}: attempt 2 of " in line and "stopped without an outcome" in line for line in said
    ), said
