"""Prometheus counters and histograms, and the small functions the code feeds them through.

They sit below every engine and model, so extraction and embedding count into them without
importing the runtime; ``ops/metrics.py`` adds what is read from a live runtime at scrape time and
serves the exposition. No metric carries a tenant label: a metric is shared by every tenant, so it
must not reveal one to another (and tenants are unbounded).
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

REGISTRY = CollectorRegistry(auto_describe=True)
# process_cpu_seconds_total, process_resident_memory_bytes, open fds: what a task uses of its
# CPU and memory limits, per process (the dashboards' process panels). Linux /proc only.
ProcessCollector(registry=REGISTRY)
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


_http_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_http(method: str, route: str, status: int, seconds: float) -> None:
    # The labelled children, looked up once per (method, route, status): ``labels()`` validates
    # and locks on every call, a noticeable part of a cached search's time. Routes are templates
    # and methods a fixed set, so the dict stays as small as the series themselves.
    series = _http_series.get((method, route, status))
    if series is None:
        label = (method, route, str(status))
        series = _http_series.setdefault(
            (method, route, status), (HTTP_REQUESTS.labels(*label), HTTP_LATENCY.labels(*label))
        )
    series[0].inc()
    series[1].observe(seconds)


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


def observe_embeddings(count: int, seconds: float) -> None:
    """Passages the model really embedded (cache hits are not counted) and the time it took."""
    if count:
        EMBEDDINGS.inc(count)
        EMBEDDING_SECONDS.inc(seconds)
        EMBEDDINGS_PER_S.set(count / seconds if seconds > 0 else 0.0)
