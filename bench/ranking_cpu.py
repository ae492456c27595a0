"""Benchmark: process CPU per search at 100k segments, today's ranking against the one before issue 23.

    python -m bench.ranking_cpu --home DIR [--chunks 2000] [--queries 200] [--rounds 3]

The CPU-time companion of ``bench/ranking_latency.py``: it searches a home that benchmark built
(``--home DIR`` with the same ``--chunks``; build it there first) and times each search by
``time.process_time()``, the engine's own threads included, instead of the wall clock, which on a
shared machine moves by ±0.2 of the ratio from run to run. ``before``, ``now`` (its sentence
vectors in memory after the same search) and ``now_cold`` (memory cleared after that search) run
one after another for every query, their order alternating by round.

Both trees' searches run on today's index code. ``before_walled`` is ``before`` with the index as
it was before it learnt to leave a sole tenant's condition out (``EdgeIndex._sole_tenant``,
2026-12-05): every query carries the tenant's condition and IDF filter, as the tree before issue
23 did. Ratios are printed last: over ``before`` (the ranking's own cost) and over
``before_walled`` (today's search against the search as it was, index included).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.peer_corpus import load
from bench.peer_search import TENANT, open_home, prime_query_vectors
from bench.ranking_latency import BEFORE, search_module_at, walled
from mediasift.services import search as search_now
from mediasift.services.sentence_vectors import RECENT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a home bench.ranking_latency built")
    parser.add_argument("--chunks", type=int, default=2000, help="as given to bench.ranking_latency")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default=BEFORE)
    args = parser.parse_args()
    if not (args.home / "built.json").exists():
        parser.error(f"{args.home} holds no build: run bench.ranking_latency --home {args.home} first")
    data = load(args.chunks, args.queries)
    rt = open_home(args.home)
    try:
        prime_query_vectors(rt, data.queries, data.query_vectors)
        with tempfile.TemporaryDirectory(prefix="mediasift-rank-cpu-") as tmp:
            before = search_module_at(args.before, Path(tmp))
            runs: dict[str, Callable[[str], Any]] = {
                "before": lambda q: before._search(rt, TENANT, q, None, None, 10, "hybrid"),
                "now": lambda q: search_now._search(rt, TENANT, q, None, None, 10, "hybrid"),
                "before_walled": lambda q: walled(rt, lambda: runs["before"](q)),
            }
            ms: dict[str, list[float]] = {"before": [], "now": [], "now_cold": [], "before_walled": []}
            for r in range(args.rounds):
                order = list(ms) if r % 2 == 0 else list(reversed(ms))
                for query in data.queries:
                    for name in order:
                        run = runs["now" if name == "now_cold" else name]
                        run(query)  # the same search first, untimed
                        if name == "now_cold":
                            RECENT.clear()
                        started = time.process_time()
                        run(query)
                        ms[name].append((time.process_time() - started) * 1000)
    finally:
        rt.close()
    report = {
        name: {p: round(float(np.percentile(v, q)), 2) for p, q in (("p50_ms", 50), ("p95_ms", 95))}
        for name, v in ms.items()
    }
    print(json.dumps(report))
    ratios = {
        f"{p}_cpu_{name}_over_{base}": round(report[name][p] / report[base][p], 2)
        for base in ("before", "before_walled")
        for name in ("now", "now_cold")
        for p in ("p50_ms", "p95_ms")
    }
    load_average = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps({"load_average": load_average, "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
