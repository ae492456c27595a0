"""Benchmark: the embedded index as live ingest fills it, this tree against another, side by side.

    python -m bench.edge_live [--points 100000] [--rounds 2] [--queries 200] [--before SRC]

A shard of ``--points`` text points is written as ingest writes them: a media's four passages at
a time, 400 points an ``upsert`` (``bench.peer_search``'s batch), no explicit ``optimize`` (live
ingest calls none). Passages are ``tests/textgen.passages`` (English and Spanish in turn, so both
BM25 analysers run); vectors are clustered synthetic 384-d unit vectors (``bench.index_compare``'s
recipe: e5-like neighbourhoods without hours of embedding). Then ``--queries`` 30-deep text
searches, twice each, as search asks them (``media=False``): the tenant alone, and the tenant with
one language (the cross-lingual scan of every hybrid search).

Reported per tree: the upserts' seconds, the longest single upsert (while it runs no other thread of
the process runs: the binding holds the GIL), quantized segments on disk, search p50 / p95. With
``--before SRC`` (another checkout's ``src``) each round runs both trees in new processes,
alternately, and the ratios this / before come last.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def measure(points: int, queries: int, home: Path) -> dict[str, Any]:
    """One tree's run, in this process (the tree is whatever ``mediasift`` imports)."""
    from tests.textgen import passages

    from bench.index_compare import CENTRES, DIM, clustered
    from mediasift.domain import Filters, IndexPoint
    from mediasift.index.edge import EdgeIndex

    texts = passages(2_000, seed=31)
    rng = np.random.default_rng(7)
    centres = rng.normal(0, 1, (CENTRES, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    data = clustered(points + queries, rng, centres)
    index = EdgeIndex(home, {"text": 384})
    calls: list[float] = []
    try:
        for start in range(0, points, 400):
            batch = [
                IndexPoint(
                    id=str(uuid.UUID(int=i + 1)), tenant_id="t", media_id=f"m{i // 4}", kind="text",
                    collection="default", modality="text", text=texts[i % len(texts)],
                    language="en" if i % 2 == 0 else "es", vectors={"text": data[i].tolist()}, added_at=1.0,
                )
                for i in range(start, min(points, start + 400))
            ]  # fmt: skip
            started = time.perf_counter()
            index.upsert(batch)
            calls.append(time.perf_counter() - started)
        search: dict[str, dict[str, float]] = {}
        for name, filters in {"tenant": None, "tenant_language": Filters(languages=["es"])}.items():
            ms = []
            for _ in range(2):
                for query in data[points:]:
                    started = time.perf_counter()
                    index.search_vector("text", "t", query.tolist(), 30, filters, media=False)
                    ms.append((time.perf_counter() - started) * 1000)
            ms.sort()
            search[name] = {
                "p50_ms": round(statistics.median(ms), 2),
                "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 2),
            }
    finally:
        index.close()
    return {
        "upserts_s": round(sum(calls), 2),
        "longest_upsert_s": round(max(calls), 2),
        "quantized_segments": sum(1 for _ in home.glob("segments/*/vector_storage-text/quantized.data")),
        "search": search,
    }


def run_tree(src: Path, points: int, queries: int) -> dict[str, Any]:
    """``measure`` in a new process importing mediasift from ``src``."""
    with tempfile.TemporaryDirectory(prefix="mediasift-edge-live-") as scratch:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)])}
        code = (
            "import json, sys; from pathlib import Path; from bench.edge_live import measure; "
            f"print(json.dumps(measure({points}, {queries}, Path(sys.argv[1]))))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(Path(scratch) / "index")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", type=Path, help="another checkout's src, run alternately")
    args = parser.parse_args()
    trees = {"this": ROOT / "src"} | ({"before": args.before} if args.before else {})
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    for r in range(args.rounds):
        for name in trees if r % 2 == 0 else reversed(list(trees)):
            result = run_tree(trees[name], args.points, args.queries)
            runs[name].append(result)
            print(
                json.dumps({"round": r + 1, "tree": name, "load": os.getloadavg()[0], **result}), flush=True
            )

    def median(name: str, *path: str) -> float:
        values = []
        for result in runs[name]:
            value: Any = result
            for key in path:
                value = value[key]
            values.append(value)
        return statistics.median(values)

    if "before" in runs:
        ratios = {
            f"{key}_{stat}_this_over_before": round(
                median("this", "search", key, stat) / median("before", "search", key, stat), 3
            )
            for key in ("tenant", "tenant_language")
            for stat in ("p50_ms", "p95_ms")
        }
        ratios["upserts_this_over_before"] = round(
            median("this", "upserts_s") / median("before", "upserts_s"), 3
        )
        print(json.dumps({"ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
