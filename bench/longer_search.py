"""Benchmark: a search for more than 10 hits (the web UI's 40) against a search for 10, and against
another tree's.

    python -m bench.longer_search [--chunks 20000] [--rounds 2] [--before SRC]

A search for more than 10 begins with the search for 10 (``services/search.extended``); since
``SharedLists`` that shorter search reads the first of the longer one's engine lists instead of
asking the engine again. This times ``services.search.search`` at limits 40 and 10 over the peer
benchmark's passages and queries (``bench/peer_corpus.py``: real e5 vectors, cached), in one home
built once, with the tenant's result cache emptied before every search (query vectors stay
cached, as after a first search). ``--before SRC`` (a checkout's ``src``) runs each round again with
that tree's code in a new process, the two alternating, and prints p50 ratios last.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMITS = (40, 10)


def child(home: Path, chunks: int, build: bool) -> dict[str, dict[str, float]]:
    import numpy as np

    from bench import peer_search as ps
    from bench.peer_corpus import load
    from mediasift.runtime import SEARCH_CACHE
    from mediasift.services.search import search

    data = load(chunks, 200)
    rt = ps.open_home(home)
    try:
        if build:
            ps.build_mediasift(rt, data.chunks, data.chunk_vectors, 4, 100)
            return {}
        ps.prime_query_vectors(rt, data.queries, data.query_vectors)
        out = {}
        for limit in LIMITS:
            for q in data.queries[:30]:  # warm-up: models, statements, page cache
                rt.cache.invalidate(ps.TENANT, SEARCH_CACHE)
                search(rt, ps.TENANT, q, limit=limit)
            took = []
            for q in data.queries:
                rt.cache.invalidate(ps.TENANT, SEARCH_CACHE)
                started = time.perf_counter()
                search(rt, ps.TENANT, q, limit=limit)
                took.append((time.perf_counter() - started) * 1000)
            out[str(limit)] = {
                "p50_ms": round(float(np.percentile(took, 50)), 2),
                "p95_ms": round(float(np.percentile(took, 95)), 2),
            }
        return out
    finally:
        rt.close()


def _run(src: Path, home: Path, chunks: int, build: bool = False) -> dict[str, dict[str, float]]:
    command = [sys.executable, "-m", "bench.longer_search", "--child", str(home), "--chunks", str(chunks)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)])}
    done = subprocess.run([*command, *(["--build"] if build else [])], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", type=Path, help="another tree's src, run alternately")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.chunks, args.build)))
        return
    trees = {"this": ROOT / "src", **({"before": args.before} if args.before else {})}
    runs: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="mediasift-longer-") as scratch:
        home = Path(scratch) / "home"
        _run(trees["this"], home, args.chunks, build=True)
        for r in range(args.rounds):
            for name in list(trees)[:: 1 if r % 2 == 0 else -1]:
                runs[name].append(_run(trees[name], home, args.chunks))
                print(json.dumps({"round": r + 1, "tree": name, **runs[name][-1]}), flush=True)
    medians = {
        name: {limit: statistics.median(run[limit]["p50_ms"] for run in done) for limit in map(str, LIMITS)}
        for name, done in runs.items()
    }
    ratios = {f"p50_for_{limit}_this_over_before": round(medians["this"][limit] / medians["before"][limit], 3)
              for limit in map(str, LIMITS)} if args.before else {}  # fmt: skip
    print(json.dumps({"load_average": [round(x, 2) for x in os.getloadavg()], "median_p50_ms": medians,
                      "ratios": ratios}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
