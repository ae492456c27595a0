"""/health's exact shape, /ready's gate, Prometheus metrics, and JSON logs with context."""

from __future__ import annotations

import json
import logging

from mediasift.logging import bind_job_context, configure_logging
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
    assert set(body["queue"]) == {"depth", "in_flight", "dead", "oldest_age_s"}
    assert body["status"] == "ok" and body["catalog_status"] == body["index_status"] == "ok"


def test_ready_fails_until_the_models_it_preloads_are_loaded(make_runtime, client_for):
    broken = client_for(make_runtime(preload_models=["no-such-model"])).get("/ready")
    assert broken.status_code == 503 and "no-such-model" in broken.json()["reasons"][0]
    api = client_for(make_runtime(preload_models=["text"]))
    app_readiness = api.app.state.readiness
    assert app_readiness.models_ready.wait(60)
    assert api.get("/ready").json() == {"status": "ready", "reasons": []}


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
        "mediasift_queue_depth 0.0",
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
