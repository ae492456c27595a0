"""Benchmark: concurrent search load while uploads and their ingest run.

    python -m bench.search_load [--searches 3000] [--concurrency 16] [--uploads 20] [--queries repeated|new]

Starts a real ``mediasift serve`` on loopback (default settings: 2 worker threads, 2 model threads;
rate limit raised), ingests a seed corpus, then runs, together:

- ``--uploads`` uploaders (in a process of their own), each sending generated documents one after
  another as a slow client would (16 KiB of body every 0.4 s, about 5 s per upload), so that many
  uploads are in flight at every moment and the worker threads are busy with their ingest the
  whole time;
- ``--concurrency`` search clients (keep-alive HTTP/1.1) sending ``GET /v1/search`` (hybrid) until
  ``--searches`` searches have been answered. ``repeated`` cycles through 24 queries, each asked
  once before the load starts (the result cache answers most, until an ingest finishing
  invalidates it); ``new`` sends text never asked.

Reports searches/s, p50/p95/p99/max latency, non-200 answers, and the targets of issue 14 for
repeated queries (≥ 150 searches/s, p99 < 250 ms). Writes bench/results/search_load_{repeated,new}.json.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import random
import tempfile
import threading
import time
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import httpx

from bench.serving import latency_summary, live_server, maintenance_text, new_queries, upload, wait_for_jobs


class EventLike(Protocol):
    def is_set(self) -> bool: ...


TARGET_RATE = 150.0
TARGET_P99_MS = 250.0
UPLOAD_CHUNK_BYTES = 16 * 1024
UPLOAD_PACE_S = 0.4


class SearchLoad:
    """``concurrency`` threads answering a shared countdown of searches."""

    def __init__(self, url: str, queries: list[str], total: int) -> None:
        self.address = urlsplit(url)
        self.queries = itertools.cycle(queries)
        self.remaining = total
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}

    def _next_query(self) -> str | None:
        with self.lock:
            if self.remaining <= 0:
                return None
            self.remaining -= 1
            return next(self.queries)

    def client(self) -> None:
        connection = http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=120)
        while (query := self._next_query()) is not None:
            started = time.perf_counter()
            connection.request("GET", "/v1/search?" + urlencode({"q": query, "mode": "hybrid"}))
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with self.lock:
                self.latencies.append(elapsed)
                self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        connection.close()


def uploader(url: str, directory: Path, seed: int, stop: EventLike, sent: list[int]) -> None:
    rng = random.Random(seed)
    for n in itertools.count():
        if stop.is_set():
            return
        path = directory / f"upload-{seed}-{n}.txt"
        path.write_text("\n\n".join(maintenance_text(rng, 600)))  # ~200 KB, unique bytes
        upload(url, path, pace_s=UPLOAD_PACE_S, chunk_bytes=UPLOAD_CHUNK_BYTES)
        sent.append(1)


def run_uploaders(url: str, directory: Path, count: int, stop: EventLike, finished: Synchronized) -> None:
    """``count`` uploaders until ``stop``; runs in its own process, so that the uploaders' Python
    work does not compete with the search clients' for one interpreter lock."""
    sent: list[int] = []
    threads = [threading.Thread(target=uploader, args=(url, directory, i, stop, sent)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished.value = len(sent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--searches", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--uploads", type=int, default=20, help="uploads in flight during the load")
    parser.add_argument("--queries", choices=["repeated", "new"], default="repeated")
    args = parser.parse_args()

    rng = random.Random(14)
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-search-load-") as tmp:
        root = Path(tmp)
        (root / "uploads").mkdir()
        with live_server(root / "home") as server:
            for i in range(4):
                seed = root / f"seed{i}.txt"
                seed.write_text("\n\n".join(maintenance_text(rng, 60)))
                upload(server.url, seed)
            wait_for_jobs(server.url)
            print("seed corpus ingested; load starts", flush=True)
            queries = new_queries(rng, 24 if args.queries == "repeated" else args.searches)
            if args.queries == "repeated":  # asked before: the first ask of each is not the load's
                for query in queries:
                    httpx.get(f"{server.url}/v1/search", params={"q": query, "mode": "hybrid"}, timeout=60)

            spawn = multiprocessing.get_context("spawn")
            stop, finished = spawn.Event(), spawn.Value("i", 0)
            uploaders = spawn.Process(
                target=run_uploaders, args=(server.url, root / "uploads", args.uploads, stop, finished)
            )
            uploaders.start()
            time.sleep(3.0)  # every uploader has a request in flight and the workers have jobs

            load = SearchLoad(server.url, queries, args.searches)
            clients = [threading.Thread(target=load.client) for _ in range(args.concurrency)]
            started = time.perf_counter()
            for thread in clients:
                thread.start()
            for thread in clients:
                thread.join()
            wall = time.perf_counter() - started
            stop.set()
            uploaders.join()
            uploads_done = finished.value

    summary = latency_summary(load.latencies)
    rate = len(load.latencies) / wall
    report = {
        "queries": args.queries,
        "concurrency": args.concurrency,
        "uploads_in_flight": args.uploads,
        "uploads_finished_during_load": uploads_done,
        "wall_s": round(wall, 1),
        "statuses": load.statuses,
        "latency": summary,
        "searches_per_s": round(rate, 1),
    }
    if args.queries == "repeated":
        report["target_rate_150_per_s"] = rate >= TARGET_RATE
        report["target_p99_under_250ms"] = summary["p99_ms"] < TARGET_P99_MS
    out = Path(f"bench/results/search_load_{args.queries}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
