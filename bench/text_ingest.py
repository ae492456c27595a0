"""Benchmark: ingest a generated corpus of text documents, then search latency at 10k and 100k chunks.

    python -m bench.text_ingest [--docs 200] [--sizes 10000,100000] [--queries 200]

1. Ingest: N generated documents (English and Spanish paragraphs) go through the real path —
   upload into the store, job, worker threads (settings.workers), sniff, chunk, embed with
   multilingual-e5-small, index in Qdrant Edge, catalog. Reports documents/s and chunks/s.
2. Search at scale: embedding every chunk of a 100k-chunk corpus takes hours on 2 cores, so the
   index is filled up to each size with *perturbed copies of the real chunk vectors* (and their
   real texts with a distinguishing token) — the engine does the same work per query as with
   real data. Reports p50/p95 per mode (keyword, vector, hybrid, and hybrid within an added-date
   window that holds every ingested document but none of the copies) through the search service
   (fusion and catalog hydration included, the result cache bypassed) and, separately, the
   query-embedding time, which is the same at every index size.
Results are printed and written to bench/results/text_ingest.json.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from bench.jobs import wait_for
from mediasift.config import Settings
from mediasift.domain import TEXT_SPACE, Filters, IndexPoint
from mediasift.embed.text.factory import get_text_embedder
from mediasift.runtime import open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.services.search import _search
from mediasift.worker.loop import start_worker_threads

TOPICS_EN = [
    ("refrigerator", "temperature", "door seal", "compressor", "defrost"),
    ("invoice", "payment terms", "due date", "late fee", "purchase order"),
    ("espresso", "grinder", "water pressure", "crema", "milk foam"),
    ("pump", "valve", "vibration", "pressure reading", "maintenance log"),
    ("onboarding", "security badge", "laptop", "training", "manager"),
]
TOPICS_ES = [
    ("nevera", "temperatura", "junta de la puerta", "compresor", "descongelar"),
    ("factura", "condiciones de pago", "fecha de vencimiento", "recargo", "pedido"),
    ("café", "molino", "presión del agua", "crema", "espuma de leche"),
]
TEMPLATES_EN = [
    "The {0} needs attention when the {1} changes; check the {2} before calling support.",
    "Our guide explains how the {3} affects the {1} and why the {4} matters every week.",
    "Record the {1} of the {0} each morning and note any problem with the {2}.",
]
TEMPLATES_ES = [
    "La {0} necesita atención cuando cambia la {1}; revise la {2} antes de llamar.",
    "La guía explica cómo el {3} afecta a la {1} y por qué importa {4} cada semana.",
]


def make_document(rng: random.Random, index: int) -> str:
    spanish = index % 3 == 0
    topics, templates = (TOPICS_ES, TEMPLATES_ES) if spanish else (TOPICS_EN, TEMPLATES_EN)
    paragraphs = []
    for _ in range(rng.randint(6, 10)):
        topic = rng.choice(topics)
        sentences = [rng.choice(templates).format(*topic) for _ in range(rng.randint(3, 5))]
        paragraphs.append(f"Doc {index}, item {rng.randint(1, 10_000)}. " + " ".join(sentences))
    return "\n\n".join(paragraphs)


def ingest_corpus(rt, docs: int) -> dict:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    texts = [make_document(rng, i) for i in range(docs)]
    started = time.perf_counter()
    workers = start_worker_threads(rt, rt.settings.workers)
    jobs = [
        ingest_stream(rt, "bench", io.BytesIO(t.encode()), f"doc{i}.txt").job for i, t in enumerate(texts)
    ]
    wait_for(rt, "bench", (j.id for j in jobs if j), poll_s=0.2)
    elapsed = time.perf_counter() - started
    for w in workers:
        w.stop()
    chunks = rt.index.count("bench")
    return {
        "documents": docs,
        "chunks": chunks,
        "seconds": round(elapsed, 2),
        "documents_per_s": round(docs / elapsed, 2),
        "chunks_per_s": round(chunks / elapsed, 2),
        "workers": rt.settings.workers,
        "model_threads": rt.settings.model_threads,
    }


def fill_index(
    rt, target: int, base_texts: list[str], base_vectors: np.ndarray, rng: np.random.Generator
) -> None:  # type: ignore[no-untyped-def]
    have = rt.index.count("bench")
    batch: list[IndexPoint] = []
    while have + len(batch) < target:
        i = int(rng.integers(len(base_texts)))
        vec = base_vectors[i] + rng.normal(0, 0.02, base_vectors.shape[1]).astype(np.float32)
        vec /= np.linalg.norm(vec)
        batch.append(
            IndexPoint(
                id=str(uuid.uuid4()),
                tenant_id="bench",
                media_id="filler",
                kind="text",
                collection="default",
                modality="text",
                text=f"{base_texts[i]} ref{int(rng.integers(1_000_000))}",
                vectors={TEXT_SPACE: vec.tolist()},
            )
        )
        if len(batch) == 512:
            rt.index.upsert(batch)
            have += len(batch)
            batch = []
    if batch:
        rt.index.upsert(batch)
    rt.index.optimize()


def measure_search(rt, queries: list[str]) -> dict:  # type: ignore[no-untyped-def]
    # Query embeddings are timed once, separately; the per-mode numbers below then measure the
    # engine, fusion and hydration (the runtime's query-embedding cache serves the repeated queries).
    embedder = get_text_embedder(rt.models, rt.settings)
    embed_ms = []
    cached = rt.text_embedder("bench")
    for q in dict.fromkeys(queries):  # each distinct query once, past the cache: the real model cost
        with embedder.loaded():  # loaded before the clock starts
            t = time.perf_counter()
            embedder.embed_query(q)
            embed_ms.append((time.perf_counter() - t) * 1000)
        cached.embed_query(q)  # fill the cache, so the modes below time the engine alone
    out: dict = {"query_embedding_p50_ms": round(statistics.median(embed_ms), 2)}
    # The copies carry no added date, so the window keeps the ingested documents' chunks only.
    window = Filters(added_after="2000-01-01T00:00:00+00:00")
    runs = {"keyword": ("keyword", None), "vector": ("vector", None), "hybrid": ("hybrid", None)}
    runs["hybrid_window"] = ("hybrid", window)
    for name, (mode, filters) in runs.items():
        times = []
        for q in queries:
            t = time.perf_counter()
            _search(rt, "bench", q, None, filters, 10, mode)  # type: ignore[arg-type]
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out[name] = {
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mediasift-bench-") as home:
        rt = open_runtime(Settings(_env_file=None, home=Path(home)))  # type: ignore[call-arg]
        report: dict = {"ingest": ingest_corpus(rt, args.docs)}
        print(json.dumps(report["ingest"]), flush=True)

        with rt.catalog.session() as s:
            from sqlalchemy import select

            from mediasift.catalog.models import SegmentRow

            base_texts = list(
                s.scalars(select(SegmentRow.text).where(SegmentRow.tenant_id == "bench").limit(2000))
            )
        base_vectors = get_text_embedder(rt.models, rt.settings).embed_passages(base_texts)
        rng = random.Random(11)
        words = [
            "temperature", "invoice due date", "espresso crema", "pump vibration", "security badge",
            "temperatura de la nevera", "fecha de vencimiento", "presión del agua", "late fee", "defrost",
        ]  # fmt: skip
        queries = [f"{rng.choice(words)} {rng.choice(words)}" for _ in range(args.queries)]
        np_rng = np.random.default_rng(3)
        report["search"] = {}
        for size in (int(x) for x in args.sizes.split(",")):
            started = time.perf_counter()
            fill_index(rt, size, base_texts, base_vectors, np_rng)
            fill_s = time.perf_counter() - started
            result = {"points": rt.index.count("bench"), "fill_and_optimize_s": round(fill_s, 1)}
            result.update(measure_search(rt, queries))
            report["search"][str(size)] = result
            print(json.dumps({str(size): result}), flush=True)
        rt.close()

    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "text_ingest.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
