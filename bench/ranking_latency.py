"""Benchmark: search latency at 100k segments, today's ranking against the ranking before issue 23.

    python -m bench.ranking_latency [--segments 100000] [--queries 200] [--rounds 3]
                                    [--before e241bcb71eacd51d1b3fcfe95e0783201cd91b3b]

Issue 23's bar: "search latency p95 within 1.3x today's at 100k segments", today being the tree
before the ranking merge (74e7a99's first parent). Both searches run in one process, on one runtime,
one Qdrant Edge index and one catalog, interleaved over ``--rounds`` (the order alternating):
``services/search.py`` as it is now, and that file as it was at ``--before`` (read with ``git
show`` into a temporary directory and imported under another name; the modules it imports did not
change between the two, except ``index/fusion.py``, which only gained functions).

Data: the peer benchmark's 20k English/Spanish chunks and their e5 vectors (``bench/peer_corpus.py``),
then copies of them up to ``--segments``, each a real chunk's text with a distinguishing token and
its vector perturbed (Gaussian, sigma 0.02 per dimension, renormalised), every one a catalog segment
too (4 a media), so hydration finds what the index finds. Query vectors come from the runtime's
query-embedding cache; the result cache is bypassed (``_search``). Ratios are printed last; results
go to bench/results/ranking_latency.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from bench.peer_corpus import load
from bench.peer_search import (
    RESULTS,
    TENANT,
    build_mediasift,
    open_home,
    percentiles,
    prime_query_vectors,
    timed_rounds,
)
from mediasift.services import search as search_now

BEFORE = "e241bcb71eacd51d1b3fcfe95e0783201cd91b3b"  # git rev-parse 74e7a99^1
REPO = Path(__file__).resolve().parent.parent


def search_module_at(rev: str, tmp: Path) -> ModuleType:
    """``services/search.py`` as it was at ``rev``, imported as ``mediasift.services.search_before``."""
    source = subprocess.run(
        ["git", "show", f"{rev}:src/mediasift/services/search.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = tmp / "search_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("mediasift.services.search_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def scaled(texts: list[str], vectors: np.ndarray, size: int) -> tuple[list[str], np.ndarray]:
    """The chunks, then perturbed copies of them up to ``size``."""
    rng = np.random.default_rng(5)
    picks = rng.integers(len(texts), size=max(0, size - len(texts)))
    copies = vectors[picks] + rng.normal(0, 0.02, (len(picks), vectors.shape[1])).astype(np.float32)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    more = [f"{texts[i]} ref{n}" for n, i in enumerate(picks)]
    return texts + more, np.vstack([vectors, copies]).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--chunks", type=int, default=20_000, help="real chunks the copies are made of")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="hybrid,keyword,vector")
    parser.add_argument("--before", default=BEFORE)
    args = parser.parse_args()
    data = load(args.chunks, args.queries)
    texts, vectors = scaled(data.chunks, data.chunk_vectors, args.segments)
    report: dict[str, Any] = {"segments": len(texts), "queries": len(data.queries), "before": args.before}
    with tempfile.TemporaryDirectory(prefix="mediasift-rank-") as tmp:
        before = search_module_at(args.before, Path(tmp))
        rt = open_home(Path(tmp) / "home")
        try:
            report["build"] = build_mediasift(rt, texts, vectors, 4, 250)
            print(json.dumps(report["build"]), flush=True)
            prime_query_vectors(rt, data.queries, data.query_vectors)
            for mode in args.modes.split(","):
                systems: dict[str, Callable[[str], Any]] = {
                    "before": lambda q, m=mode: before._search(rt, TENANT, q, None, None, 10, m),
                    "now": lambda q, m=mode: search_now._search(rt, TENANT, q, None, None, 10, m),
                }
                times = timed_rounds(systems, data.queries, args.rounds)
                report[mode] = {name: percentiles(ms) for name, ms in times.items()}
                print(json.dumps({mode: report[mode]}), flush=True)
        finally:
            rt.close()
    report["load_average"] = [round(x, 2) for x in os.getloadavg()]
    report["ratios"] = {
        f"{mode}_{p}_now_over_before": round(report[mode]["now"][p] / report[mode]["before"][p], 2)
        for mode in args.modes.split(",")
        for p in ("p50_ms", "p95_ms")
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ranking_latency.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({"load_average": report["load_average"], "ratios": report["ratios"]}, indent=2))


if __name__ == "__main__":
    main()
