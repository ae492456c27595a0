"""Benchmark: mediasift's search against txtai's hybrid index, on the same chunks and the same vectors.

    python -m bench.peer_search [--chunks 20000] [--queries 200] [--rounds 3] [--per-media 4]
                                [--float32]

Data (``bench/peer_corpus.py``): ``--chunks`` English and Spanish passages of ~640 characters and
``--queries`` keyword-style queries (3-6 words of a sentence), embedded once with mediasift's
own text embedder (multilingual-e5-small, ONNX Runtime int8) and cached under ``bench/.cache/``.
Neither side runs a model here: both get these vectors.

- **mediasift**: the embedded default, Qdrant Edge, in a fresh home. Build: media rows and each
  media's segments written to the catalog (``catalog.repo.replace_segments``, as ingest writes
  them), each media's points made by ``index.points.index_points`` (as ingest makes them) and
  upserted through the runtime's ``Index``, ``--batch`` media per call, then ``optimize()``.
  Search: ``services.search._search``, the path of a user's search past the result cache: the
  query vector read from the runtime's query-embedding cache (filled beforehand with the same
  vectors), the engine lists, fusion, catalog hydration, ranking and moment grouping.
- **txtai** 9.14: ``Embeddings({"method": "external", "transform": <lookup of the same vectors>,
  "content": True, "hybrid": True})``: faiss for the dense part (its defaults: IVF, nprobe derived
  from the size), BM25 over the text (``terms``, normalised scores) and its convex fusion, the
  content (text) stored in its SQLite database and returned with each hit. Search:
  ``embeddings.search(query, 10)``.

Timing: every query of both systems, in ``--rounds`` interleaved rounds (the order alternating),
after one untimed warm-up pass each; p50/p95 over all timed searches. Builds: ``--build-rounds``
alternated builds of each system from scratch (mediasift in a fresh home); the build ratio is the
median of the rounds' ratios, and the last round's indexes are the ones searched. The load average is printed:
absolute times drift with a shared machine, the ratios much less.

Recall@10, against exact search:

- **vector**: each system searching by vector only (mediasift ``mode="vector"``; txtai
  ``weights=1.0``, its dense list alone) against the brute-force cosine top 10 of all chunks
  (numpy). mediasift groups neighbouring chunks of one media into one hit (one moment): a grouped
  neighbour counts as found.
- **hybrid**: there is no exact hybrid both systems share (their keyword scores and fusions differ),
  so hybrid recall@10 is the share of the exact cosine top 10 that each system's hybrid top 10
  keeps: how much of the semantic ground truth survives each system's approximate index and fusion.

``--float32``: mediasift's shard stores its vectors as float32, as shards written before float16
did (``index.edge._STORED``), to compare the two on one machine in alternate runs.

Ratios (mediasift / txtai) are printed last; results go to bench/results/peer_search.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ulid import ULID

from bench.peer_corpus import PeerData, load
from mediasift.catalog.models import Media
from mediasift.catalog.repo import ensure_tenant, replace_segments
from mediasift.config import Settings
from mediasift.domain import TEXT_SPACE, Hit, MediaStatus, Modality, Segment
from mediasift.embed.cached import EMBEDDING_TTL_S, QUERY_EMBEDDINGS
from mediasift.index.points import MediaPayload, index_points
from mediasift.runtime import Runtime, open_runtime
from mediasift.services.search import _search

TENANT = "bench"
RESULTS = Path(__file__).parent / "results"


def segment_id(i: int) -> str:
    return str(uuid.UUID(int=i + 1))


def chunk_of(segment: str) -> int:
    return uuid.UUID(segment).int - 1


def open_home(home: Path) -> Runtime:
    return open_runtime(Settings(_env_file=None, home=home, enrich=False))  # type: ignore[call-arg]


def build_mediasift(
    rt: Runtime,
    texts: Sequence[str],
    vectors: np.ndarray,
    per_media: int,
    batch: int,
    sentence_vectors: Callable[[int], bytes | None] | None = None,
) -> dict[str, float]:
    """Catalog rows and index points for every chunk, ``per_media`` chunks a media (a document),
    ``batch`` media per catalog transaction and per ``Index.upsert``; then ``optimize``.
    ``sentence_vectors``, given a chunk's position, makes its ``Segment.sentence_vectors``."""
    catalog_s = index_s = 0.0
    with rt.catalog.session() as s:
        ensure_tenant(s, TENANT)
    media_count = (len(texts) + per_media - 1) // per_media
    for first in range(0, media_count, batch):
        started = time.perf_counter()
        points = []
        with rt.catalog.session() as s:
            batch_media = []
            for m in range(first, min(first + batch, media_count)):
                media = Media(
                    id=str(ULID()),
                    tenant_id=TENANT,
                    filename=f"doc{m}.txt",
                    kind="text",
                    mime="text/plain",
                    bytes=0,
                    sha256=f"{m:064x}",
                    original_key=f"raw/{TENANT}/doc{m}/original",
                    status=MediaStatus.READY.value,
                    meta={},
                )
                s.add(media)
                batch_media.append((m, media))
            # Ingest's media rows exist (since upload) before their segments are swapped in; they
            # are written here as a bulk import would, one flush a batch.
            s.flush()
            for m, media in batch_media:
                chunks = range(m * per_media, min((m + 1) * per_media, len(texts)))
                segs = [
                    Segment(
                        id=segment_id(i),
                        media_id=media.id,
                        tenant_id=TENANT,
                        modality=Modality.TEXT,
                        text=texts[i],
                        language="en" if i % 2 == 0 else "es",
                        sentence_vectors=sentence_vectors(i) if sentence_vectors else None,
                    )
                    for i in chunks
                ]
                replace_segments(s, media, segs)  # as ingest's finish_media
                payload = MediaPayload.of(media)
                by_id = {seg.id: vectors[i] for seg, i in zip(segs, chunks, strict=True)}
                points += index_points(payload, segs, {TEXT_SPACE: by_id})
        catalog_s += time.perf_counter() - started
        started = time.perf_counter()
        rt.index.upsert(points)
        index_s += time.perf_counter() - started
    started = time.perf_counter()
    rt.index.optimize()
    optimize_s = time.perf_counter() - started
    return {
        "catalog_s": round(catalog_s, 2),
        "upsert_s": round(index_s, 2),
        "optimize_s": round(optimize_s, 2),
        "build_s": round(catalog_s + index_s + optimize_s, 2),
    }


def prime_query_vectors(rt: Runtime, queries: Sequence[str], vectors: np.ndarray) -> None:
    """The runtime's query-embedding cache holds each query's vector, as after a first search."""
    embedder = rt.text_embedder(TENANT)
    for query, vector in zip(queries, vectors, strict=True):
        key = embedder._key(query)
        rt.cache.set(TENANT, QUERY_EMBEDDINGS, key, np.asarray(vector, "<f4").tobytes(), EMBEDDING_TTL_S)


def mediasift_search(rt: Runtime, mode: str) -> Callable[[str], list[int]]:
    def run(query: str) -> list[int]:
        return [chunk_of(h.segment_id) for h in _search(rt, TENANT, query, None, None, 10, mode)]  # type: ignore[arg-type]

    return run


def grouped(rt: Runtime, mode: str, per_media: int) -> Callable[[str], list[set[int]]]:
    """mediasift's hits as the chunks each stands for: a moment of ``n`` grouped segments stands
    for the chunks of its media up to ``n - 1`` ordinals either side of the hit."""

    def run(query: str) -> list[set[int]]:
        hits: list[Hit] = _search(rt, TENANT, query, None, None, 10, mode)  # type: ignore[arg-type]
        out = []
        for h in hits:
            i = chunk_of(h.segment_id)
            span = int((h.meta.get("moment") or {}).get("segments", 1))
            first = i - i % per_media
            out.append({j for j in range(i - span + 1, i + span) if first <= j < first + per_media})
        return out

    return run


def build_txtai(texts: Sequence[str], vectors: np.ndarray, queries: Sequence[str], qvectors: np.ndarray):  # type: ignore[no-untyped-def]
    from txtai import Embeddings

    lookup = {t: v for t, v in zip(texts, vectors, strict=True)}
    lookup.update(zip(queries, qvectors, strict=True))

    def transform(inputs: list[str]) -> np.ndarray:
        return np.vstack([lookup[t] for t in inputs])

    started = time.perf_counter()
    embeddings = Embeddings(
        {"method": "external", "transform": transform, "content": True, "hybrid": True, "dimensions": 384}
    )
    embeddings.index([(i, text, None) for i, text in enumerate(texts)])
    return embeddings, {"build_s": round(time.perf_counter() - started, 2)}


def txtai_search(embeddings, weights: float | None = None) -> Callable[[str], list[int]]:  # type: ignore[no-untyped-def]
    def run(query: str) -> list[int]:
        return [int(r["id"]) for r in embeddings.search(query, 10, weights=weights)]

    return run


def exact_top10(vectors: np.ndarray, qvectors: np.ndarray) -> list[set[int]]:
    scores = qvectors @ vectors.T
    top = np.argpartition(-scores, 10, axis=1)[:, :10]
    return [set(map(int, row)) for row in top]


def recall(found: Sequence[Sequence[int] | Sequence[set[int]]], truth: Sequence[set[int]]) -> float:
    total = 0.0
    for hits, expected in zip(found, truth, strict=True):
        covered: set[int] = set()
        for h in hits:
            covered |= h if isinstance(h, set) else {h}
        total += len(covered & expected) / len(expected)
    return round(total / len(truth), 4)


def timed_rounds(
    systems: dict[str, Callable[[str], Any]],
    queries: Sequence[str],
    rounds: int,
    before_each: Mapping[str, Callable[[str], Any]] | None = None,
) -> dict[str, list[float]]:
    """Milliseconds per search, each system over every query in turn, the order alternating by round;
    ``before_each[name](query)``, where given, runs untimed just before each of that system's searches."""
    for run in systems.values():  # warm-up, untimed
        for q in queries:
            run(q)
    times: dict[str, list[float]] = {name: [] for name in systems}
    names = list(systems)
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            run = systems[name]
            gc.collect()
            prepare = (before_each or {}).get(name)
            for q in queries:
                if prepare is not None:
                    prepare(q)
                started = time.perf_counter()
                run(q)
                times[name].append((time.perf_counter() - started) * 1000)
    return times


def percentiles(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
    }


def run(data: PeerData, rounds: int, per_media: int, batch: int, build_rounds: int = 3) -> dict[str, Any]:
    report: dict[str, Any] = {"chunks": len(data.chunks), "queries": len(data.queries), "rounds": rounds}
    truth = exact_top10(data.chunk_vectors, data.query_vectors)
    with tempfile.TemporaryDirectory(prefix="mediasift-peer-") as scratch:
        builds: list[dict[str, Any]] = []
        rt: Runtime | None = None
        embeddings = None
        try:
            for r in range(build_rounds):  # each from scratch, the order alternating; the last is searched
                if rt is not None:
                    embeddings.close()
                    rt.close()
                rt = open_home(Path(scratch) / f"home{r}")
                built: dict[str, Any] = {}
                for system in ("mediasift", "txtai") if r % 2 == 0 else ("txtai", "mediasift"):
                    gc.collect()
                    if system == "mediasift":
                        built["mediasift"] = build_mediasift(
                            rt, data.chunks, data.chunk_vectors, per_media, batch
                        )
                    else:
                        embeddings, built["txtai"] = build_txtai(
                            data.chunks, data.chunk_vectors, data.queries, data.query_vectors
                        )
                built["ratio"] = round(built["mediasift"]["build_s"] / built["txtai"]["build_s"], 3)
                builds.append(built)
                print(json.dumps({"build_round": r + 1, **built}), flush=True)
            assert rt is not None
            report["builds"] = builds
            report["mediasift_build"] = builds[-1]["mediasift"]
            report["txtai_build"] = builds[-1]["txtai"]
            prime_query_vectors(rt, data.queries, data.query_vectors)

            asked = data.queries
            report["recall_at_10"] = {
                "mediasift_vector": recall([grouped(rt, "vector", per_media)(q) for q in asked], truth),
                "txtai_vector": recall([txtai_search(embeddings, 1.0)(q) for q in asked], truth),
                "mediasift_hybrid": recall([grouped(rt, "hybrid", per_media)(q) for q in asked], truth),
                "txtai_hybrid": recall([txtai_search(embeddings)(q) for q in asked], truth),
            }
            print(json.dumps({"recall_at_10": report["recall_at_10"]}), flush=True)
            systems = {
                "mediasift_hybrid": mediasift_search(rt, "hybrid"),
                "txtai_hybrid": txtai_search(embeddings),
            }
            times = timed_rounds(systems, data.queries, rounds)
            report["search"] = {name: percentiles(ms) for name, ms in times.items()}
            report["load_average"] = [round(x, 2) for x in os.getloadavg()]
        finally:
            if embeddings is not None:
                embeddings.close()
            if rt is not None:
                rt.close()
    return report


def ratios(report: dict[str, Any]) -> dict[str, float]:
    ms, tx = report["search"]["mediasift_hybrid"], report["search"]["txtai_hybrid"]
    rec = report["recall_at_10"]
    return {
        "search_p50_mediasift_over_txtai": round(ms["p50_ms"] / tx["p50_ms"], 2),
        "search_p95_mediasift_over_txtai": round(ms["p95_ms"] / tx["p95_ms"], 2),
        # the median of the rounds' ratios: one build of each is too few on shared cores
        "build_mediasift_over_txtai": round(statistics.median(b["ratio"] for b in report["builds"]), 2),
        "recall_vector_mediasift_minus_txtai": round(rec["mediasift_vector"] - rec["txtai_vector"], 4),
        "recall_hybrid_mediasift_minus_txtai": round(rec["mediasift_hybrid"] - rec["txtai_hybrid"], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-media", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100, help="media per catalog transaction and upsert")
    parser.add_argument("--build-rounds", type=int, default=3, help="alternated builds of each system")
    parser.add_argument("--float32", action="store_true", help="mediasift's vectors stored as float32")
    args = parser.parse_args()
    if args.float32:
        from mediasift.index import edge

        edge._STORED = None  # the element type of shards written before float16
    data = load(args.chunks, args.queries)
    report = run(data, args.rounds, args.per_media, args.batch, max(1, args.build_rounds))
    report["stored_as"] = "float32" if args.float32 else "float16"
    report["ratios"] = ratios(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "peer_search.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "ratios"}, indent=2))
    print(json.dumps({"load_average": report["load_average"], "ratios": report["ratios"]}, indent=2))


if __name__ == "__main__":
    main()
