"""/health's exact shape, /ready's gate, Prometheus metrics, and JSON logs with context."""

from __future__ import annotations

import json
import logging
import os
import time

from mediasift.ops.logs import bind_job_context, configure_logging
from tests.conftest import wait_for_job

HEALTH_KEYS = {
    "status",
    "cpu_percent",
    "memory_percent",
    "disk_percent",
    "index_status",
    "catalog_status",
    "queue",
    "models_loaded",
    "version",
    "timestamp",
}


def test_health_has_exactly_the_documented_shape(make_runtime, client_for):
    body = client_for(make_runtime()).get("/health").json()
    assert set(body) == HEALTH_KEYS
    assert set(body["queue"]) == {"depth", "in_flight", "delayed", "dead", "oldest_age_s"}
    assert body["status"] == "ok" and body["catalog_status"] == body["index_status"] == "ok"


def test_ready_fails_until_the_models_it_preloads_are_loaded(make_runtime, client_for):
    broken = client_for(make_runtime(preload_models=["no-such-model"])).get("/ready")
    assert broken.status_code == 503 and "no-such-model" in broken.json()["reasons"][0]
    api = client_for(make_runtime(preload_models=["text"]))
    app_readiness = api.app.state.readiness
    assert app_readiness.models_ready.wait(60)
    assert api.get("/ready").json() == {"status": "ready", "reasons": []}


def test_ready_says_what_its_backend_said(make_runtime, client_for, monkeypatch):
    from mediasift.errors import BackendUnavailable

    rt = make_runtime(preload_models=[])
    api = client_for(rt)

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise BackendUnavailable("pgvector index unavailable: connection refused")

    monkeypatch.setattr(rt.index, "count", down)
    reasons = api.get("/ready").json()["reasons"]
    assert any("BackendUnavailable: pgvector index unavailable: connection refused" in r for r in reasons), (
        reasons
    )


def test_a_backend_that_stops_answering_is_not_ready_within_the_probe_timeout(
    make_runtime, client_for, monkeypatch
):
    import threading

    from mediasift.ops import probes

    rt = make_runtime(preload_models=[])
    api = client_for(rt)
    frozen = threading.Event()  # an S3 or SQS endpoint that accepted the connection and went quiet
    calls = []

    def hangs(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        frozen.wait(30)
        return {}

    monkeypatch.setattr(probes, "PROBE_TIMEOUT_S", 0.5)
    monkeypatch.setattr(rt.queue, "stats", hangs)
    try:
        for _ in range(3):  # a load balancer asking again and again
            started = time.monotonic()
            ready = api.get("/ready")
            assert time.monotonic() - started < 5
            assert ready.status_code == 503, ready.text
            assert ready.json()["reasons"] == [
                "queue error: BackendUnavailable: queue did not answer within 0.5 s"
            ]
        health = api.get("/health").json()
        assert health["status"] == "degraded" and health["queue"] is None
        assert "mediasift_queue_up 0.0" in api.get("/metrics").text
        assert len(calls) == 1  # the check still waiting is waited on, not started again
    finally:
        frozen.set()


def test_metrics_cover_http_search_queue_jobs_and_models(make_runtime, client_for):
    api = client_for(make_runtime(), workers=1)
    created = api.post("/v1/media", files={"file": ("m.txt", b"Metrics count every search and job.")}).json()
    assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
    api.get("/v1/search", params={"q": "metrics", "mode": "keyword"})
    api.get("/v1/search", params={"q": "metrics", "mode": "keyword"})  # the second is a cache hit
    api.get(f"/v1/media/{created['media']['id']}")
    text = api.get("/metrics").text
    for needle in (
        'mediasift_http_requests_total{method="GET",route="/v1/media/{media_id}",status="200"}',
        'mediasift_search_duration_seconds_count{backend="edge",mode="keyword"}',
        'mediasift_job_duration_seconds_count{kind="text",outcome="succeeded"}',
        *(
            f'mediasift_stage_duration_seconds_count{{stage="{stage}"}}'
            for stage in ("probe", "extract", "enrich", "embed", "index")
        ),
        "mediasift_queue_depth 0.0",
        "mediasift_queue_delayed 0.0",
        "mediasift_queue_dead 0.0",
        "mediasift_queue_oldest_age_seconds",
        "mediasift_cache_hits_total",
        "mediasift_embeddings_total",
        'mediasift_model_load_seconds{model="text:e5-small"}',
    ):
        assert needle in text, needle
    assert "default" not in text.split("mediasift_http_requests_total", 1)[1].split("\n", 1)[0]  # no tenants


def test_every_response_carries_a_request_id(make_runtime, client_for):
    api = client_for(make_runtime())
    assert len(api.get("/v1/jobs").headers["x-request-id"]) == 32
    assert api.get("/v1/jobs", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"


def test_logs_are_json_lines_with_job_context(capfd):
    configure_logging("INFO", "json")
    try:
        bind_job_context("01JOB", media_id="01MEDIA", tenant="acme")
        logging.getLogger("mediasift.worker").info("job %s succeeded", "01JOB")
        line = capfd.readouterr().err.strip().splitlines()[-1]
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_mediasift", False)]:
            root.removeHandler(handler)
    record = json.loads(line)
    assert record["event"] == "job 01JOB succeeded"
    assert (record["job_id"], record["media_id"], record["tenant"]) == ("01JOB", "01MEDIA", "acme")
    assert record["level"] == "info" and "timestamp" in record


def test_a_dead_jobs_line_says_why_it_died(make_runtime, client_for, capfd):
    api = client_for(make_runtime(max_attempts=1), workers=1)
    configure_logging("INFO", "json")
    try:
        capfd.readouterr()
        created = api.post("/v1/media", files={"file": ("broken.pdf", b"%PDF-1.4\nnot really")}).json()
        deadline = time.monotonic() + 60
        while api.get(f"/v1/jobs/{created['job']['id']}").json()["status"] != "dead":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(0.2)
        lines = [
            json.loads(line) for line in capfd.readouterr().err.strip().splitlines() if line.startswith("{")
        ]
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_mediasift", False)]:
            root.removeHandler(handler)
    (record,) = [r for r in lines if r.get("event") == f"job {created['job']['id']} dead"]
    assert record["level"] == "warning" and record["outcome"] == "dead", record
    assert (
        record["error_code"] == "corrupt_media"
        and record["error"]
        and record["media_id"] == created["media"]["id"]
    )


def test_every_request_ends_with_one_json_access_line_with_its_context(make_runtime, client_for, capfd):
    api = client_for(make_runtime())
    created = api.post(
        "/v1/media", files={"file": ("a.txt", b"access log words")}, headers={"X-Mediasift-Tenant": "acme"}
    ).json()
    media_id = created["media"]["id"]
    configure_logging("INFO", "json")
    try:
        capfd.readouterr()
        api.get(f"/v1/media/{media_id}", headers={"X-Mediasift-Tenant": "acme", "X-Request-ID": "req-42"})
        api.get("/health")  # probes log at debug: not a line at INFO
        lines = [json.loads(line) for line in capfd.readouterr().err.strip().splitlines()]
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_mediasift", False)]:
            root.removeHandler(handler)
    access = [r for r in lines if r.get("logger") == "mediasift.access"]
    assert len(access) == 1, lines
    (record,) = access
    assert record["event"] == "GET /v1/media/{media_id} 200"
    assert (record["request_id"], record["tenant"], record["media_id"]) == ("req-42", "acme", media_id)
    assert record["status"] == 200 and record["duration_ms"] >= 0 and record["level"] == "info"


def test_worker_process_serves_its_own_metrics_without_queue_gauges(make_runtime, client_for):
    import urllib.request

    from mediasift.ops.metrics import serve_worker_metrics

    rt = make_runtime()
    api = client_for(rt, workers=1)
    created = api.post("/v1/media", files={"file": ("w.txt", b"The boiler pressure is checked daily.")})
    assert wait_for_job(api, created.json()["job"]["id"])["status"] == "succeeded"
    server = serve_worker_metrics(rt, "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        text = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
        health = json.loads(urllib.request.urlopen(f"{base}/health", timeout=5).read())
    finally:
        server.shutdown()
    assert health == {"status": "ok"}
    assert "mediasift_job_duration_seconds_count{" in text and "mediasift_embeddings_total" in text
    assert 'mediasift_model_load_seconds{model="text:' in text
    assert "mediasift_queue_depth" not in text  # the API reports system-wide gauges, once


def test_worker_cli_metrics_port(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MEDIASIFT_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, "-m", "mediasift", "worker", "--threads", "1", "--metrics-port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "worker metrics port never answered"
                time.sleep(0.2)
        assert b"mediasift_cache_hits" in body
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def test_api_side_metrics_port_adds_the_queue_gauges_and_process_metrics(make_runtime):
    # MEDIASIFT_METRICS_PORT: what `mediasift serve` exposes keyless on loopback for a sidecar
    # (the ADOT collector on AWS) that holds no admin key for the API's /metrics.
    import urllib.request

    from mediasift.ops.metrics import serve_worker_metrics

    rt = make_runtime()
    server = serve_worker_metrics(rt, "127.0.0.1", 0, queue=True)
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/metrics", timeout=5)
        text = text.read().decode()
    finally:
        server.shutdown()
    assert "mediasift_queue_depth" in text and "mediasift_queue_up 1.0" in text
    samples = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in text.splitlines()
        if line.startswith("process_")
    }
    assert samples["process_resident_memory_bytes"] > 10_000_000, samples
    assert samples["process_cpu_seconds_total"] > 0, samples


def test_serve_preload_names_the_models_ready_waits_for(tmp_path):
    """`mediasift serve --preload` replaces ``preload_models``: /ready answers once those are
    loaded, and an unknown name is refused before anything starts."""
    import subprocess
    import sys

    import httpx

    from tests.servers import free_port, serve

    port = free_port()
    server = serve(tmp_path / "home", port, args=["--preload", "image", "--preload", "ocr"])
    try:
        loaded = httpx.get(f"http://127.0.0.1:{port}/health").json()["models_loaded"]
        assert sorted(key.split(":")[0] for key in loaded) == ["image", "ocr"]  # not the default text
    finally:
        server.terminate()
        server.wait(30)
    refused = subprocess.run(
        [sys.executable, "-m", "mediasift", "serve", "--preload", "clip"],
        env={**os.environ, "MEDIASIFT_HOME": str(tmp_path / "other")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "unknown model clip" in refused.stderr


def test_after_speech_the_models_a_command_names_load_beside_it(make_runtime, monkeypatch):
    """`ingest --wait` of a video names speech first: recognition starts once its model is in, so
    the models after it load (and keep their threads) at the priority of the work beside speech,
    as the pipeline's own later loads do; without speech first, all load at the workers'."""
    import sys

    import pytest

    from mediasift.ops import readiness
    from mediasift.ops.thread_priority import BESIDE_SPEECH_NICENESS, current_thread_niceness

    if not sys.platform.startswith("linux"):
        pytest.skip("thread priorities are Linux's")
    seen: dict[str, int] = {}
    real = readiness.preload

    def recorded(models, settings, name):  # type: ignore[no-untyped-def]
        seen[name] = current_thread_niceness()
        return real(models, settings, name)

    monkeypatch.setattr(readiness, "preload", recorded)
    rt = make_runtime(worker_niceness=1)
    readiness.Readiness(rt).start(first=["asr", "image"], only=True).wait_preloaded(120)
    assert seen["image"] - seen["asr"] == BESIDE_SPEECH_NICENESS
    seen.clear()
    readiness.Readiness(rt).start(first=["ocr", "image"], only=True).wait_preloaded(120)
    assert seen["image"] == seen["ocr"]


def test_a_model_a_command_guessed_that_does_not_load_is_passed_over(make_runtime):
    """A command's guess (a video's speech model, here one whose directory is not configured) that
    fails to load leaves the error to the job that needs it: the next model still loads, and the
    process is not marked unready."""
    from mediasift.models.registry import ModelRegistry
    from mediasift.ops.readiness import Readiness

    rt = make_runtime(asr_model="whisper-dir")
    rt.models = ModelRegistry()  # its own: the tests' runtimes share one with every model loaded
    readiness = Readiness(rt).start(first=["asr", "image"], only=True)
    readiness.wait_preloaded(120)
    assert [key.split(":")[0] for key in rt.models.loaded()] == ["image"]
    assert readiness.model_error is None and readiness.models_ready.is_set()
