"""Prometheus metrics: what the API, search, workers and models report, and what /metrics shows.

Counters and histograms live in one process-wide ``REGISTRY`` and are fed by small functions the
code calls (``observe_http``, ``record_job``…). Gauges that describe a running system — queue depth,
cache hits, model load times — are read from a ``Runtime`` at scrape time (``runtime_registry``),
so they are always current and cost nothing between scrapes. No metric carries a tenant label: a
metric is shared by every tenant, so it must not reveal one to another (and tenants are unbounded).
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from mediasift.extract.base import Extraction
    from mediasift.runtime import Runtime

REGISTRY = CollectorRegistry(auto_describe=True)
T = TypeVar("T")

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_JOB_SECONDS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200)

HTTP_REQUESTS = Counter(
    "mediasift_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
HTTP_LATENCY = Histogram(
    "mediasift_http_request_duration_seconds",
    "HTTP request latency (until the response starts)",
    ["method", "route", "status"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
SEARCH_LATENCY = Histogram(
    "mediasift_search_duration_seconds",
    "Search latency inside the engines (cache misses), by mode and index backend",
    ["mode", "backend"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "mediasift_job_duration_seconds",
    "Time from a job's start to its end, by media kind and outcome",
    ["kind", "outcome"],
    buckets=_JOB_SECONDS,
    registry=REGISTRY,
)
STAGE_DURATION = Histogram(
    "mediasift_stage_duration_seconds",
    "Time a pipeline stage took when it completed (probe, extract, embed, index)",
    ["stage"],
    buckets=_JOB_SECONDS,
    registry=REGISTRY,
)
JOB_FAILURES = Counter(
    "mediasift_job_failures_total",
    "Failed job attempts, by media kind, the stage that failed and the error code",
    ["kind", "stage", "code"],
    registry=REGISTRY,
)
ASR_RTF = Histogram(
    "mediasift_asr_realtime_factor",
    "Speech-recognition seconds per second of audio/video (below 1 is faster than real time)",
    ["kind"],
    buckets=(0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5),
    registry=REGISTRY,
)
OCR_PAGES = Counter(
    "mediasift_ocr_pages_total", "Pages, slides, images and frames that produced OCR text", registry=REGISTRY
)
EMBEDDINGS = Counter(
    "mediasift_embeddings_total",
    "Text passages embedded by the model (cache hits excluded)",
    registry=REGISTRY,
)
EMBEDDING_SECONDS = Counter(
    "mediasift_embedding_seconds_total", "Seconds spent embedding passages", registry=REGISTRY
)
EMBEDDINGS_PER_S = Gauge(
    "mediasift_embeddings_per_second", "Throughput of the most recent embedding stage", registry=REGISTRY
)
WEBHOOK_DELIVERIES = Counter(
    "mediasift_webhook_deliveries_total",
    "Webhook delivery attempts by outcome",
    ["outcome"],
    registry=REGISTRY,
)


def observe_http(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route, str(status)).observe(seconds)


def timed_search(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorate the engine-side search: observes latency by its ``mode`` and the runtime's index."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        bound = signature.bind(*args, **kwargs)
        mode = str(bound.arguments.get("mode", "hybrid"))
        rt = bound.arguments.get("rt")
        backend = getattr(getattr(rt, "settings", None), "index", "unknown")
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SEARCH_LATENCY.labels(mode, backend).observe(time.perf_counter() - started)

    return wrapper


def record_job(
    kind: str | None, outcome: str, seconds: float | None, stage: str | None, code: str | None
) -> None:
    """A job attempt ended: ``outcome`` is succeeded, failed (will retry), dead or cancelled."""
    kind = kind or "unknown"
    if seconds is not None and outcome != "failed":
        JOB_DURATION.labels(kind, outcome).observe(max(0.0, seconds))
    if outcome in ("failed", "dead"):
        JOB_FAILURES.labels(kind, stage or "unknown", code or "internal").inc()


def observe_stage(stage: str, seconds: float) -> None:
    STAGE_DURATION.labels(stage).observe(max(0.0, seconds))


def timed_asr(kind: str, duration_s: float, transcribe: Callable[[], T]) -> T:
    """Run speech recognition alone (a video's frame lane runs beside it and is not counted)."""
    started = time.perf_counter()
    result = transcribe()
    if duration_s > 0:
        ASR_RTF.labels(kind).observe((time.perf_counter() - started) / duration_s)
    return result


def count_ocr_pages(extraction: Extraction) -> None:
    """Record the pages, slides, images and frames in which an extraction read text."""
    places = {(s.page, s.frame_key, s.start_s) for s in extraction.segments if str(s.modality) == "ocr"}
    if places:
        OCR_PAGES.inc(len(places))


def observe_embeddings(count: int, seconds: float) -> None:
    """Passages the model really embedded (cache hits are not counted) and the time it took."""
    if count:
        EMBEDDINGS.inc(count)
        EMBEDDING_SECONDS.inc(seconds)
        EMBEDDINGS_PER_S.set(count / seconds if seconds > 0 else 0.0)


class RuntimeCollector(Collector):
    """Queue, cache and model gauges read from a live ``Runtime`` at scrape time."""

    def __init__(self, rt: Runtime, queue: bool = True) -> None:
        self.rt, self.queue = rt, queue

    def collect(self) -> Iterator[Any]:
        if self.queue:
            yield from self._queue()
        yield from self._process()

    def _queue(self) -> Iterator[Any]:
        try:
            stats = self.rt.queue.stats()
        except Exception:  # a down queue shows as a missing series plus the 'up' gauge below
            stats = None
        up = GaugeMetricFamily("mediasift_queue_up", "1 when the queue answered this scrape")
        up.add_metric([], 1.0 if stats is not None else 0.0)
        yield up
        if stats is not None:
            for name, help_text in (
                ("depth", "Jobs waiting to run"),
                ("in_flight", "Jobs leased by a worker"),
                ("delayed", "Jobs waiting out a send delay or a retry's backoff"),
                ("dead", "Jobs in the dead-letter state"),
            ):
                gauge = GaugeMetricFamily(f"mediasift_queue_{name}", help_text)
                gauge.add_metric([], float(stats.get(name, 0.0)))
                yield gauge
            age = GaugeMetricFamily("mediasift_queue_oldest_age_seconds", "Age of the oldest waiting job")
            age.add_metric([], float(stats.get("oldest_age_s", 0.0)))
            yield age

    def _process(self) -> Iterator[Any]:
        cache = self.rt.cache
        hits = CounterMetricFamily("mediasift_cache_hits", "Cache hits in this process")
        hits.add_metric([], float(cache.hits))
        yield hits
        misses = CounterMetricFamily("mediasift_cache_misses", "Cache misses in this process")
        misses.add_metric([], float(cache.misses))
        yield misses
        loads = GaugeMetricFamily(
            "mediasift_model_load_seconds", "Seconds a model took to load", labels=["model"]
        )
        for model, seconds in sorted(self.rt.models.load_seconds.items()):
            loads.add_metric([model], seconds)
        yield loads


def exposition(rt: Runtime, queue: bool = True) -> bytes:
    """The Prometheus text exposition: process-wide metrics plus this runtime's gauges.

    Workers pass ``queue=False``: the queue gauges describe the whole system and the API already
    reports them, so N workers repeating them would only multiply the series.
    """
    live = CollectorRegistry(auto_describe=False)
    live.register(RuntimeCollector(rt, queue=queue))
    return generate_latest(REGISTRY) + generate_latest(live)


def serve_worker_metrics(rt: Runtime, host: str, port: int) -> ThreadingHTTPServer:
    """Serve ``/metrics`` and ``/health`` for a worker process, which has no API of its own."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                body, ctype = exposition(rt, queue=False), "text/plain; version=0.0.4; charset=utf-8"
            elif self.path == "/health":
                body, ctype = b'{"status":"ok"}', "application/json"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:  # scrapes every 15 s would flood the log
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    return server
