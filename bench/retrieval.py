"""Benchmark: how well search ranks the right moment first, per query type and per mode.

    python -m bench.retrieval [--distractors 160] [--rounds 1] [--pad 0]

The evaluation set the project owns (``bench/retrieval_corpus.py``, ``bench/retrieval_facts.py``):
English and Spanish documents in five formats, two podcasts (speech only), two videos (speech and
burned-in captions), a slide deck, a scanned PDF, real photographs (scikit-image's samples), a code
archive, pictures whose only text is a glyph, and ``--distractors`` documents of near-miss sentences.
Queries (English, Spanish, cross-lingual, spoken, on-screen, slide, scanned, photo, code) carry
graded relevance: the answering moment is grade 2, the rest of its media grade 1 where the media
has many segments; each unit counts once, at its first hit, so ten neighbours of one answer earn
no more than one.

For every query and mode (keyword, vector, hybrid) it reports MRR@10 (first grade-2 hit),
nDCG@10 (gains 3 and 1) and recall@10 (the moment in the top 10), per query type, for the
development half and the held-back half separately (a fixed split by the query's hash; choose
parameters on the development half only).

The ingested home is cached under ``bench/.cache/retrieval-<key>`` (the key hashes the corpus
definition and size), so a rerun only searches; ``--fresh`` rebuilds it. Writes
``bench/results/retrieval.json``. ``--text-cold`` times hybrid search instead with every text
cache (stems, sentence splits, slips) emptied before each search.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import retrieval_corpus
from bench.retrieval_corpus import Corpus, Query
from mediasift.catalog import repo
from mediasift.config import Settings
from mediasift.domain import Hit
from mediasift.runtime import Runtime, open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.services.search import _search
from mediasift.worker.loop import start_worker_threads

TENANT = "bench"
K = 10
MODES = ("keyword", "vector", "hybrid")
CACHE = Path(__file__).parent / ".cache"


def judge(hits: list[Hit], query: Query) -> list[int]:
    """The grade each hit earns: 2 for the first hit on the moment, 1 for the first other hit on
    its media (where the media is a unit), else 0."""
    grades, moment_seen, media_seen = [], False, False
    for hit in hits[:K]:
        if not moment_seen and query.relevance.moment(hit):
            moment_seen = True
            grades.append(2)
        elif query.media_unit and not media_seen and query.relevance.media(hit):
            media_seen = True
            grades.append(1)
        else:
            grades.append(0)
    return grades


def scores(grades: list[int], query: Query) -> dict[str, float]:
    gain = {2: 3.0, 1: 1.0, 0: 0.0}
    dcg = sum(gain[g] / math.log2(i + 2) for i, g in enumerate(grades))
    ideal = gain[2] + (gain[1] / math.log2(3) if query.media_unit else 0.0)
    first = next((i for i, g in enumerate(grades) if g == 2), None)
    return {
        "mrr": 0.0 if first is None else 1.0 / (first + 1),
        "ndcg": dcg / ideal,
        "recall": float(first is not None),
    }


def ingest(rt: Runtime, paths: list[Path]) -> None:
    for path in paths:
        with path.open("rb") as f:
            ingest_stream(rt, TENANT, f, path.name)
    workers = start_worker_threads(rt, rt.settings.workers)
    try:
        deadline = time.monotonic() + 7200
        while time.monotonic() < deadline:
            stats = rt.queue.stats()
            if not (stats["depth"] or stats["in_flight"] or stats.get("delayed", 0)):
                break
            time.sleep(1.0)
    finally:
        for w in workers:
            w.stop()
    rt.index.optimize()


def prepared_home(distractors: int, fresh: bool, pad: int = 0) -> tuple[Settings, Corpus, dict[str, Any]]:
    """The ingested corpus, built and ingested once per corpus key and reused after."""
    folder = CACHE / f"retrieval-{retrieval_corpus.corpus_key(distractors, pad)}"
    manifest = folder / "corpus.json"
    settings = Settings(home=folder / "home")
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if manifest.exists():
        data = json.loads(manifest.read_text())
        return settings, Corpus.from_json(data["corpus"]), data["ingest"]
    if folder.exists():
        shutil.rmtree(folder)  # a build that did not finish
    corpus = retrieval_corpus.build(folder / "media", distractors, pad)
    rt = open_runtime(settings)
    try:
        started = time.perf_counter()
        ingest(rt, corpus.paths)
        ingest_info = {"media": len(corpus.paths), "ingest_s": round(time.perf_counter() - started, 1)}
        with rt.catalog.read_session() as s:
            failed = repo.list_media(s, TENANT, status="failed", limit=1000)
        ingest_info["failed"] = sorted(m.filename for m in failed)
    finally:
        rt.close()
    manifest.write_text(json.dumps({"corpus": corpus.to_json(), "ingest": ingest_info}, ensure_ascii=False))
    return settings, corpus, ingest_info


def sweep_configs() -> dict[str, Any]:
    """What ``--sweep`` compares: the RRF of before, then one change at a time (imported here so
    the rest of this module also runs on a tree from before ``services/ranking.py``)."""
    from mediasift.services.ranking import RankingParams

    chosen = RankingParams()  # the defaults: what this sweep chose
    plain = replace(
        chosen,
        keyword_norm="max",
        phrase_bonus=0.0,
        min_info_chars=0,
        group=False,
        rescore_top=0,
        cross_lingual_gap=0.0,
    )
    rules = replace(plain, phrase_bonus=chosen.phrase_bonus, min_info_chars=chosen.min_info_chars, group=True)
    return {
        "rrf": replace(plain, fusion="rrf"),
        "rrf + rules": replace(rules, fusion="rrf", priors={"tag": 0.85}),
        "score max/minmax .35": plain,
        "score max/minmax .5": replace(plain, keyword_weight=0.5, vector_weight=0.5),
        "score max/minmax .2": replace(plain, keyword_weight=0.2, vector_weight=0.8),
        "score dbsf/dbsf .5": replace(
            plain, keyword_weight=0.5, vector_weight=0.5, keyword_norm="dbsf", vector_norm="dbsf"
        ),
        "score minmax/minmax .35": replace(plain, keyword_norm="minmax"),
        "score + tiny rule": replace(plain, min_info_chars=3),
        "score + rule + tag prior .85": replace(plain, min_info_chars=3, priors={"tag": 0.85}),
        "score + rule + prior + phrase": replace(rules, group=False, priors={"tag": 0.85}),
        "score + rule + prior + phrase, grouped": replace(rules, priors={"tag": 0.85}),
        "mm/mm .2 + rules": replace(rules, keyword_norm="minmax", keyword_weight=0.2, vector_weight=0.8),
        "mm/mm .35 + rules": replace(rules, keyword_norm="minmax"),
        # the first stage alone: the cross-lingual gap alone and with the stand-in
        **{
            f"search, gap {gap:.2f}{' + stand-in' * stand_in}": replace(
                chosen, rescore_top=0, cross_lingual_gap=gap, keyword_stand_in=stand_in
            )
            for gap, stand_in in (
                (0.0, False),
                (0.01, False),
                (0.02, False),
                (0.03, False),
                (0.04, False),
                (0.06, False),
                (0.02, True),
                (0.03, True),
            )
        },
        # the second stage over the sentence vectors ingest stored: search's default, one change at a time
        **{
            f"search + rescore top {top} w{w} gap {gap:.2f}": replace(
                chosen, rescore_top=top, rescore_weight=w, rescore_gap=gap
            )
            for top, w, gap in (
                (30, 0.85, 0.04),
                (30, 0.85, 0.0),
                (30, 0.85, 0.02),
                (30, 0.85, 0.03),
                (30, 0.85, 0.06),
                (30, 0.7, 0.04),
                (30, 1.0, 0.04),
                (20, 0.85, 0.04),
                (50, 0.85, 0.04),
            )
        },
        # the second stage's pool (the other language's nearest kept below the cut) and its amount rule
        **{
            f"search + rescore pool {pool} amount {penalty:.2f}": replace(
                chosen, rescore_translated=pool, amount_penalty=penalty
            )
            for pool in (0, 10, 15, 30)
            for penalty in (0.0, 0.02, 0.03, 0.05)
        },
        **{
            f"search + rescore weight {w:.2f}": replace(chosen, rescore_weight=w)
            for w in (0.6, 0.7, 0.75, 0.8, 0.85, 0.9)
        },
        **{
            f"search + rescore translated within {k}": replace(chosen, translated_within=k)
            for k in (0, 1, 2, 3, 5, 10)
        },
        # the second stage's word bonus (typo-tolerant: enrich/typos.py), per word held
        **{
            f"search + word bonus {b}": replace(chosen, word_bonus=b)
            for b in (0.0, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.02)
        },
        **{f"search + word bonus from {n} words": replace(chosen, min_shared_words=n) for n in (1, 2, 3)},
        **{
            f"search + word bonus {b} exact words": replace(chosen, word_bonus=b, typo_tolerant=False)
            for b in (0.0025, 0.005, 0.01)
        },
        # where neighbours become one moment: after the second stage (the default) or before it
        "search + moments grouped after rescore": chosen,
        "search + moments grouped before rescore": replace(chosen, group_after_rescore=False),
        # a tag the keywords did not find judged by its text vector alone
        "search + tag stand-in": replace(chosen, tag_stand_in=True),
        "search, tag stand-in off": replace(chosen, tag_stand_in=False),
    }


def sweep(rt: Runtime, corpus: Corpus, mode: str, only: str | None) -> dict[str, Any]:
    """Every ``SWEEP`` configuration (whose name holds ``only``) over every query, interleaved;
    the summary per half."""
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    latencies: dict[str, list[float]] = defaultdict(list)
    chosen = {name: p for name, p in sweep_configs().items() if only is None or only in name}
    for query in corpus.queries:
        for name, params in chosen.items():
            started = time.perf_counter()
            hits = _search(rt, TENANT, query.text, None, None, K, mode, params=params)
            latencies[name].append(time.perf_counter() - started)
            rows[name].append(
                {"kind": query.kind, "held_out": query.held_out, **scores(judge(hits, query), query)}
            )
    out: dict[str, Any] = {}
    for name, rs in rows.items():
        out[name] = {}
        for half, held_out in (("dev", False), ("held_out", True)):
            chosen = [r for r in rs if r["held_out"] == held_out]
            out[name][half] = {
                m: round(statistics.mean(r[m] for r in chosen), 3) for m in ("mrr", "ndcg", "recall")
            }
            kinds = sorted({r["kind"] for r in chosen})
            out[name][half]["mrr_by_type"] = {
                k: round(statistics.mean(r["mrr"] for r in chosen if r["kind"] == k), 2) for k in kinds
            }
        out[name]["latency_ms"] = _percentiles(latencies[name])
        print(f"{name:44} ms {out[name]['latency_ms']}")
        for half in ("dev", "held_out"):
            print(f"    {half:9} {out[name][half]}")
    return out


def text_cold_latency(rt: Runtime, corpus: Corpus, rounds: int) -> dict[str, float]:
    """Hybrid latency with every text cache emptied before each search: the words' stems, the
    sentence splits and stems, the slips (what a search meets in a library new to the process, or
    at 100k segments, where most candidates' texts are new to the caches). Query vectors and stored
    sentence vectors stay cached: one pass over the queries first."""
    from mediasift.answer import sentences
    from mediasift.enrich import terms, typos, words
    from mediasift.services import ranking

    caches = [
        f
        for module in (terms, typos, words, sentences, ranking)
        for f in vars(module).values()
        if hasattr(f, "cache_clear") and hasattr(f, "cache_info")
    ]
    for query in corpus.queries:
        _search(rt, TENANT, query.text, None, None, K, "hybrid")
    times = []
    for _ in range(rounds):
        for query in corpus.queries:
            for cache in caches:
                cache.cache_clear()
            started = time.perf_counter()
            _search(rt, TENANT, query.text, None, None, K, "hybrid")
            times.append(time.perf_counter() - started)
    return _percentiles(times)


def evaluate(rt: Runtime, corpus: Corpus, rounds: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    latencies: dict[str, list[float]] = defaultdict(list)
    # The first round finds every cache cold (query vectors, stored sentence vectors); the rest warm.
    by_round: list[dict[str, list[float]]] = []
    for _ in range(rounds):
        rows.clear()
        by_round.append(defaultdict(list))
        for query in corpus.queries:
            for mode in MODES:  # interleaved: every mode sees the same machine load
                started = time.perf_counter()
                hits = _search(rt, TENANT, query.text, None, None, K, mode)
                latencies[mode].append(time.perf_counter() - started)
                by_round[-1][mode].append(latencies[mode][-1])
                grades = judge(hits, query)
                rows.append(
                    {
                        "query": query.text,
                        "kind": query.kind,
                        "held_out": query.held_out,
                        "mode": mode,
                        **scores(grades, query),
                        "grades": grades,
                        "top": [
                            f"{h.filename}"
                            + (f" p{h.page}" if h.page else "")
                            + (f" @{h.start_s:.1f}" if h.start_s is not None else "")
                            + f" {h.modality}: {h.text[:50]!r}"
                            for h in hits[:3]
                        ],
                    }
                )
    cold, warm = by_round[0], by_round[1:]
    return {
        "rows": rows,
        "latency_ms": {m: _percentiles(v) for m, v in latencies.items()},
        "latency_ms_cold": {m: _percentiles(v) for m, v in cold.items()},
        "latency_ms_warm": {
            m: _percentiles([x for later in warm for x in later[m]]) for m in MODES if len(by_round) > 1
        },
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(1000 * statistics.median(ordered), 1),
        "p95": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """{half: {mode: {kind or "all": {mrr, ndcg, recall, n}}}}."""
    table: dict[str, Any] = {}
    for half, held_out in (("dev", False), ("held_out", True)):
        table[half] = {}
        for mode in MODES:
            chosen = [r for r in rows if r["held_out"] == held_out and r["mode"] == mode]
            groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in chosen:
                groups[r["kind"]].append(r)
                groups["all"].append(r)
            table[half][mode] = {
                kind: {
                    "n": len(rs),
                    **{m: round(statistics.mean(r[m] for r in rs), 3) for m in ("mrr", "ndcg", "recall")},
                }
                for kind, rs in sorted(groups.items())
            }
    return table


def print_table(table: dict[str, Any]) -> None:
    for half, modes in table.items():
        print(f"\n== {half} ==")
        kinds = list(modes["hybrid"])
        print(f"{'type':10} {'n':>3}  " + "  ".join(f"{m:^20}" for m in MODES))
        print(f"{'':14}  " + "  ".join(f"{'MRR  nDCG  R@10':^20}" for _ in MODES))
        for kind in kinds:
            cells = []
            for mode in MODES:
                c = modes[mode].get(kind)
                cells.append(
                    f"{c['mrr']:.2f} {c['ndcg']:.2f} {c['recall']:.2f}".center(20) if c else " " * 20
                )
            print(f"{kind:10} {modes['hybrid'][kind]['n']:>3}  " + "  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distractors", type=int, default=160, help="near-miss documents added")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the queries (latency)")
    parser.add_argument("--fresh", action="store_true", help="rebuild and re-ingest the corpus")
    parser.add_argument(
        "--pad", type=int, default=0, help="near-miss sentences added to each fact document (long documents)"
    )
    parser.add_argument("--sweep", choices=MODES, help="compare the ranking configurations in this mode")
    parser.add_argument("--only", help="with --sweep: only the configurations whose name holds this")
    parser.add_argument("--misses", action="store_true", help="print the hybrid queries not ranked first")
    parser.add_argument(
        "--text-cold",
        action="store_true",
        help="hybrid latency with the text caches emptied before each search",
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "retrieval.json")
    args = parser.parse_args()
    settings, corpus, ingest_info = prepared_home(args.distractors, args.fresh, args.pad)
    rt = open_runtime(settings)
    if args.sweep:
        try:
            sweep(rt, corpus, args.sweep, args.only)
        finally:
            rt.close()
        return
    if args.text_cold:
        try:
            print(
                json.dumps({"hybrid_text_caches_cold_ms": text_cold_latency(rt, corpus, max(1, args.rounds))})
            )
        finally:
            rt.close()
        return
    try:
        result = evaluate(rt, corpus, args.rounds)
    finally:
        rt.close()
    table = summarize(result["rows"])
    print(json.dumps({"queries": len(corpus.queries), **ingest_info, "latency_ms": result["latency_ms"]}))
    print(json.dumps({"cold": result["latency_ms_cold"], "warm": result["latency_ms_warm"]}))
    print_table(table)
    if args.misses:
        for r in result["rows"]:
            if r["mode"] == "hybrid" and r["mrr"] < 1.0:
                print(f"\n[{r['kind']}{' H' if r['held_out'] else ''}] {r['query']}  mrr={r['mrr']:.2f}")
                for line in r["top"]:
                    print("    ", line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "queries": len(corpus.queries),
                **ingest_info,
                "latency_ms": result["latency_ms"],
                "latency_ms_cold": result["latency_ms_cold"],
                "latency_ms_warm": result["latency_ms_warm"],
                "table": table,
                "rows": result["rows"],
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
