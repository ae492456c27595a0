"""Prometheus metrics: what the API, search, workers and models report, and what /metrics shows.

Counters and histograms live in ``mediasift.meters`` (one ``REGISTRY``, fed by small functions
the code calls: ``observe_http``, ``record_job``…). Gauges that describe a running system — queue
depth, cache hits, model load times — are read from a ``Runtime`` at scrape time, so they are
always current and cost nothing between scrapes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from mediasift.meters import OCR_PAGES, REGISTRY
from mediasift.ops.probes import probe

if TYPE_CHECKING:
    from mediasift.extract.base import Extraction
    from mediasift.runtime import Runtime


def count_ocr_pages(extraction: Extraction) -> None:
    """Record the pages, slides, images and frames in which an extraction read text."""
    places = {(s.page, s.frame_key, s.start_s) for s in extraction.segments if str(s.modality) == "ocr"}
    if places:
        OCR_PAGES.inc(len(places))


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
            stats = probe("queue", self.rt.queue, self.rt.queue.stats)
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
            if "oldest_age_s" in stats:  # not on SQS: a 0 there would read as a healthy queue
                age = GaugeMetricFamily("mediasift_queue_oldest_age_seconds", "Age of the oldest waiting job")
                age.add_metric([], float(stats["oldest_age_s"]))
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


def serve_worker_metrics(rt: Runtime, host: str, port: int, queue: bool = False) -> ThreadingHTTPServer:
    """Serve ``/metrics`` and ``/health`` for a worker process, which has no API of its own, or
    beside the API (``queue=True``) for a scraper that holds no key (``MEDIASIFT_METRICS_PORT``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                body, ctype = exposition(rt, queue=queue), "text/plain; version=0.0.4; charset=utf-8"
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
