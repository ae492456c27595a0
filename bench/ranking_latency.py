"""Benchmark: search latency at 100k segments, today's ranking against the ranking before issue 23.

    python -m bench.ranking_latency [--segments 100000] [--queries 200] [--rounds 3]
                                    [--before e241bcb71eacd51d1b3fcfe95e0783201cd91b3b]
                                    [--no-sentences] [--home DIR]

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

Sentence vectors (hybrid's second stage, ``services/ranking.rescore``, reads them): every segment is
prose (a text file's text), so each gets ``segment.sentence_vectors`` as ingest stores them, of the
shape ingest gives them: its text split by ``answer/sentences.sentence_texts``, one float16 row per
sentence, its passage vector alone for a one-sentence segment, zeros for a sentence without a
content word. The rows are the segment's own vector perturbed (sigma ``SENTENCE_SIGMA`` per
dimension, renormalised: a cosine of about 0.9 to the passage, near what e5 gives a sentence and
its chunk), not the sentences embedded: this measures the stage's latency (the catalog read, the
decoding, the LRU, the cosines), not its quality, which ``bench/retrieval.py`` judges.
``--no-sentences`` leaves them out (the stage then finds none and stops at once). ``--home DIR``
keeps the built home in DIR and, run again with the same arguments, searches it without
rebuilding (the build is most of a run's time: ``optimize()`` alone took 34 minutes on a loaded
machine).

Hybrid is timed three ways, each search preceded (untimed) by the same search: ``before``; ``now``
with the in-process LRU of sentence vectors warm (the preceding search put this query's hits in
it); ``now_cold``, the LRU cleared after that preceding search, so every hit's vectors are read
from the catalog and decoded; ``now_first_stage``, the second stage off (``rescore_top=0``), which
tells the second stage's cost from the first stage's. Keyword and vector search never read
sentence vectors. Every mode also times ``before_walled``: ``before`` on the index as it searched
before it learnt to leave a sole tenant's condition out (``walled``, 2026-12-05), as the tree
before issue 23 did; ratios are printed over both.
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
from dataclasses import replace
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
from mediasift.answer.sentences import sentence_texts
from mediasift.enrich.terms import terms
from mediasift.services import ranking
from mediasift.services import search as search_now
from mediasift.services.sentence_vectors import RECENT, encode

BEFORE = "e241bcb71eacd51d1b3fcfe95e0783201cd91b3b"  # git rev-parse 74e7a99^1
REPO = Path(__file__).resolve().parent.parent
SENTENCE_SIGMA = 0.025


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


def sentence_maker(texts: list[str], vectors: np.ndarray) -> Callable[[int], bytes | None]:
    """``i`` -> the stored sentence vectors of segment ``i`` (see the module's docstring)."""
    rng = np.random.default_rng(15)

    def make(i: int) -> bytes | None:
        sentences = sentence_texts(texts[i], None)
        if not sentences:
            return None
        if len(sentences) == 1:
            return encode(vectors[i : i + 1])
        rows = vectors[i] + rng.normal(0, SENTENCE_SIGMA, (len(sentences), vectors.shape[1]))
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        rows[[not terms(s) for s in sentences]] = 0.0
        return encode(rows)

    return make


def walled(rt: Any, search: Callable[[], Any]) -> Any:
    """``search`` with the index keeping every tenant condition, as before ``_sole_tenant``: a
    shard with a point of no tenant (``None``) has no sole tenant."""
    index = rt.index
    with index._lock:
        index._sole_tenant(index._open_shard())  # counted, so that it can be put back as it was
        kept, index._tenants = index._tenants, frozenset({None})
    try:
        return search()
    finally:
        index._tenants = kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--chunks", type=int, default=20_000, help="real chunks the copies are made of")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="hybrid,keyword,vector")
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--no-sentences", action="store_true", help="store no sentence vectors")
    parser.add_argument("--home", type=Path, help="keep the built home here; reuse it if built")
    args = parser.parse_args()
    data = load(args.chunks, args.queries)
    texts, vectors = scaled(data.chunks, data.chunk_vectors, args.segments)
    report: dict[str, Any] = {
        "segments": len(texts),
        "chunks": len(data.chunks),
        "queries": len(data.queries),
        "rounds": args.rounds,
        "before": args.before,
        "sentence_vectors": not args.no_sentences,
    }
    with tempfile.TemporaryDirectory(prefix="mediasift-rank-") as tmp:
        before = search_module_at(args.before, Path(tmp))
        home = args.home or Path(tmp) / "home"
        built = home / "built.json"  # what was built there, and how long it took
        what = {k: report[k] for k in ("segments", "chunks", "sentence_vectors")}
        if built.exists() and json.loads(built.read_text())["what"] != what:
            parser.error(f"{home} holds another build: {built.read_text()}")
        rt = open_home(home)
        try:
            if built.exists():
                report["build"] = json.loads(built.read_text())["build"]
            else:
                sentences = None if args.no_sentences else sentence_maker(texts, vectors)
                report["build"] = build_mediasift(rt, texts, vectors, 4, 250, sentences)
                built.write_text(json.dumps({"what": what, "build": report["build"]}))
            print(json.dumps(report["build"]), flush=True)
            prime_query_vectors(rt, data.queries, data.query_vectors)
            for mode in args.modes.split(","):
                systems: dict[str, Callable[[str], Any]] = {
                    "before": lambda q, m=mode: before._search(rt, TENANT, q, None, None, 10, m),
                    "now": lambda q, m=mode: search_now._search(rt, TENANT, q, None, None, 10, m),
                }
                unwalled = systems["before"]

                def before_walled(q: str, run: Callable[[str], Any] = unwalled) -> Any:
                    return walled(rt, lambda: run(q))

                systems["before_walled"] = before_walled
                prepare = dict(systems)
                if mode == "hybrid":
                    systems["now_cold"] = systems["now"]

                    def cleared(q: str, run: Callable[[str], Any] = systems["now"]) -> None:
                        run(q)
                        RECENT.clear()

                    prepare["now_cold"] = cleared
                    first = replace(ranking.DEFAULT, rescore_top=0)  # the second stage off
                    systems["now_first_stage"] = lambda q, first=first: search_now._search(
                        rt, TENANT, q, None, None, 10, "hybrid", params=first
                    )
                    prepare["now_first_stage"] = systems["now_first_stage"]
                times = timed_rounds(systems, data.queries, args.rounds, prepare)
                report[mode] = {name: percentiles(ms) for name, ms in times.items()}
                print(json.dumps({mode: report[mode]}), flush=True)
        finally:
            rt.close()
    report["load_average"] = [round(x, 2) for x in os.getloadavg()]
    report["ratios"] = {
        f"{mode}_{p}_{name}_over_{base}": round(report[mode][name][p] / report[mode][base][p], 2)
        for mode in args.modes.split(",")
        for base in ("before", "before_walled")
        for name in report[mode]
        if not name.startswith("before")
        for p in ("p50_ms", "p95_ms")
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ranking_latency.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({"load_average": report["load_average"], "ratios": report["ratios"]}, indent=2))


if __name__ == "__main__":
    main()
