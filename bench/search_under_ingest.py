"""Benchmark: new-query hybrid search latency while large media ingest (search must not queue behind ingest).

    python -m bench.search_under_ingest [--rounds 3] [--paragraphs 300] [--video-s 60] [--idle 30]
                                        [--before SRC]

Each round starts a real ``mediasift serve`` on loopback (default settings: 2 worker threads,
2 model threads; rate limit raised) on a fresh home, ingests a small seed document, then:

1. idle: ``--idle`` hybrid searches, one at a time, each with query text never asked before (so
   neither the result cache nor the query-embedding cache can answer);
2. under ingest: uploads three large documents (a text-layer PDF, a DOCX and a plain-text file of
   ``--paragraphs`` paragraphs each) and a generated talk video of ``--video-s`` seconds (speech,
   burned-in captions), then searches the same way, one at a time, until every job has finished;
   meanwhile a second client asks for those jobs' status (``GET /v1/jobs?ids=...``, as
   ``mediasift ingest --wait`` does) twenty times a second.

Reports, per round and pooled over rounds, p50/p95/p99/max latency idle and under ingest (searches,
and status reads), and the targets of issue 14 (searches under ingest: p99 < 1 s, max < 2 s).
``--before SRC`` runs the ``src`` of another checkout too, a server each round, the order
alternating. Writes bench/results/search_under_ingest.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.serving import (
    large_documents,
    latency_summary,
    live_server,
    maintenance_text,
    new_queries,
    unfinished_jobs,
    upload,
    wait_for_jobs,
)

TARGET_P99_MS = 1000.0
TARGET_MAX_MS = 2000.0


def timed_search(client: httpx.Client, query: str) -> float:
    started = time.perf_counter()
    response = client.get("/v1/search", params={"q": query, "mode": "hybrid"})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


def run_round(
    root: Path, media: list[Path], rng: random.Random, idle_count: int, source: Path | None = None
) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    seed = root / "seed.txt"
    seed.write_text("\n\n".join(maintenance_text(rng, 20)))
    with (
        live_server(root / "home", source) as server,
        httpx.Client(base_url=server.url, timeout=600) as client,
    ):
        upload(server.url, seed)
        wait_for_jobs(server.url)
        idle = [timed_search(client, q) for q in new_queries(rng, idle_count)]

        done = threading.Event()
        started = time.perf_counter()
        jobs: list[str] = []
        uploads = [
            threading.Thread(target=lambda path=path: jobs.append(upload(server.url, path)["id"]))
            for path in media
        ]
        for thread in uploads:
            thread.start()
        for thread in uploads:
            thread.join()

        def watch_jobs() -> None:
            while unfinished_jobs(server.url):
                time.sleep(1.0)
            done.set()

        status: list[float] = []

        def poll_status() -> None:  # a client waiting for its uploads, as `ingest --wait` does
            with httpx.Client(base_url=server.url, timeout=600) as poller:
                while not done.is_set():
                    asked = time.perf_counter()
                    poller.get("/v1/jobs", params={"ids": ",".join(jobs)}).raise_for_status()
                    status.append(time.perf_counter() - asked)
                    time.sleep(0.05)

        threading.Thread(target=watch_jobs, daemon=True).start()
        poller = threading.Thread(target=poll_status, daemon=True)
        poller.start()
        busy: list[float] = []
        queries = iter(new_queries(random.Random(rng.random()), 1_000_000))
        while not done.is_set():
            busy.append(timed_search(client, f"{next(queries)} during ingest"))
        ingest_s = time.perf_counter() - started
        poller.join()
    return {
        "idle": latency_summary(idle),
        "under_ingest": latency_summary(busy),
        "status_under_ingest": latency_summary(status),
        "ingest_wall_s": round(ingest_s, 1),
        "latencies_s": {"idle": idle, "under_ingest": busy, "status_under_ingest": status},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--paragraphs", type=int, default=300, help="paragraphs per large document")
    parser.add_argument("--video-s", type=float, default=60.0, help="length of the talk video (0: none)")
    parser.add_argument("--idle", type=int, default=30, help="idle searches per round")
    parser.add_argument("--before", help="the src/ of another tree, run in the same rounds")
    args = parser.parse_args()

    from tests import mediagen

    rng = random.Random(14)
    trees: dict[str, Path | None] = {"now": None}
    if args.before:
        trees["before"] = Path(args.before).resolve()
    parts = ("idle", "under_ingest", "status_under_ingest")
    rounds: dict[str, list[dict]] = {tree: [] for tree in trees}
    pooled: dict[str, dict[str, list[float]]] = {tree: {part: [] for part in parts} for tree in trees}
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-search-ingest-") as tmp:
        root = Path(tmp)
        media = large_documents(root / "docs", rng, args.paragraphs)
        if args.video_s:
            media.append(mediagen.long_talk(root / "video", duration_s=args.video_s, ext="mp4").path)
        sizes = {p.name: p.stat().st_size for p in media}
        print(f"media: {sizes}", flush=True)
        for number in range(args.rounds):
            order = list(trees) if number % 2 == 0 else list(reversed(trees))
            for tree in order:
                result = run_round(root / f"round{number}-{tree}", media, rng, args.idle, trees[tree])
                for part in parts:
                    pooled[tree][part] += result["latencies_s"][part]
                del result["latencies_s"]
                rounds[tree].append(result)
                print(json.dumps({"round": number, "tree": tree, **result}), flush=True)

    def median_of(tree: str, part: str, figure: str) -> float | None:
        values = [r[part][figure] for r in rounds[tree] if figure in r[part]]
        return round(statistics.median(values), 1) if values else None

    figures = ("p50_ms", "p95_ms", "p99_ms", "max_ms")
    medians = {
        tree: {part: {f: median_of(tree, part, f) for f in figures} for part in parts} for tree in trees
    }
    idle, busy = medians["now"]["idle"], medians["now"]["under_ingest"]
    report = {
        "media_bytes": sizes,
        "rounds": rounds["now"],
        "median_of_rounds": medians["now"],
        "pooled": {part: latency_summary(values) for part, values in pooled["now"].items()},
        "searches_under_ingest": sum(r["under_ingest"]["count"] for r in rounds["now"]),
        "p50_ratio_under_ingest_to_idle": round(busy["p50_ms"] / idle["p50_ms"], 1)
        if busy["p50_ms"] and idle["p50_ms"]
        else None,
        "target_p99_under_1s": bool(busy["p99_ms"] is not None and busy["p99_ms"] < TARGET_P99_MS),
        "target_max_under_2s": bool(busy["max_ms"] is not None and busy["max_ms"] < TARGET_MAX_MS),
    }
    if "before" in trees:
        report["before"] = {
            "rounds": rounds["before"],
            "median_of_rounds": medians["before"],
            "pooled": {part: latency_summary(values) for part, values in pooled["before"].items()},
        }
        report["now_over_before_pooled"] = {
            part: {
                f: round(report["pooled"][part][f] / report["before"]["pooled"][part][f], 2)
                for f in figures
                if report["before"]["pooled"][part].get(f)
            }
            for part in parts
        }
    out = Path("bench/results/search_under_ingest.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
