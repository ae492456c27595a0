"""Benchmark: what nutrition analysis costs per minute of video, next to ingesting the same video.

    python -m bench.nutrition_cost [--minutes 1] [--rounds 3]

Generates a cooking video (tests/mediagen.py: English and Spanish speech naming ingredients with
amounts, ingredient captions burned in, coloured scenes), ingests it once, then runs, in
interleaved rounds, a reprocess (the whole ingest pipeline: ASR, keyframes, OCR, embeddings,
enrichment, index) and a nutrition job (stored segments → mentions → matching → grams, keyframes →
image model → foods seen) of the same media, each timed in this thread (no other job runs).
Interleaving spreads the machine's load over both. The first nutrition run of the process loads
the food table and the image model (reported apart as ``cold``). Separately: embedding the food
table's 768 ingredient names for the matcher's nearest-name step the first time, and reading them
back from the catalog after (``StoredNameVectors``).

Reports seconds per minute of video for each, and nutrition / ingest. Writes
bench/results/nutrition_cost.json.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from mediasift.config import Settings
from mediasift.jobs import lifecycle
from mediasift.nutrition import load_food_table
from mediasift.nutrition.matching import NOT_NEAREST
from mediasift.runtime import Runtime, open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.services.nutrition import StoredNameVectors
from mediasift.worker.loop import Worker

EN = [
    "Today we cook a chicken and rice dish that serves four people.",
    "Add two tablespoons of olive oil to the pan and heat it.",
    "Then add two hundred grams of chicken breast and one chopped onion.",
    "Stir in one cup of rice and two cups of water.",
]
ES = [
    "Corta dos tomates maduros en trozos pequeños.",
    "Añade una pizca de sal y un poco de pimienta.",
]
CAPTIONS = ["ARROZ 185 g", "POLLO 200 g", "ACEITE 2 cucharadas", "TOMATES 2"]


def cooking_video(directory: Path, minutes: float):  # type: ignore[no-untyped-def]
    from tests import mediagen

    one_pass = [("en", s) for s in EN] + [("es", s) for s in ES]
    repeats = max(1, round(minutes * 60 / 40))  # one pass is about 40 s of speech and gaps
    script = one_pass * repeats
    probe = mediagen.speech_track(directory / "probe", script)
    captions = mediagen.default_captions(probe.duration_s, CAPTIONS * repeats)
    return mediagen.talk_video(directory, "mp4", script=script, captions=captions)


def run_job(rt: Runtime, job_id: str) -> float:
    """Run the one queued job, ``job_id``, in this thread; its seconds (wall)."""
    worker = Worker(rt)
    started = time.perf_counter()
    assert worker.run_once(), "no job was queued"
    elapsed = time.perf_counter() - started
    with rt.catalog.read_session() as s:
        from mediasift.catalog import jobs as job_rows

        job = job_rows.get_job(s, job_id)
        assert job.status == "succeeded", (job.status, job.error)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mediasift-bench-nutrition-") as tmp:
        tmp_path = Path(tmp)
        talk = cooking_video(tmp_path / "gen", args.minutes)
        minutes = talk.duration_s / 60
        print(f"generated a {talk.duration_s:.0f} s cooking video", flush=True)
        rt = open_runtime(Settings(_env_file=None, home=tmp_path / "home", workers=0))  # type: ignore[call-arg]
        try:
            created = ingest_stream(rt, "bench", io.BytesIO(talk.path.read_bytes()), "cooking.mp4")
            assert created.job is not None
            first_ingest = run_job(rt, created.job.id)
            media_id = created.media.id
            print(f"first ingest {first_ingest:.1f} s", flush=True)

            cold = run_job(rt, lifecycle.analyse_nutrition(rt, "bench", media_id).id)
            print(f"nutrition, cold (table and image model load) {cold:.1f} s", flush=True)
            ingest_s, nutrition_s = [], []
            for i in range(args.rounds):
                ingest_s.append(run_job(rt, lifecycle.reprocess(rt, "bench", media_id).id))
                # a reprocess of an analysed media queues its nutrition job: that one is timed
                nutrition_s.append(run_job(rt, _queued_nutrition(rt, media_id)))
                print(
                    f"round {i + 1}: ingest {ingest_s[-1]:.1f} s, nutrition {nutrition_s[-1]:.2f} s",
                    flush=True,
                )

            with rt.catalog.read_session() as s:
                from mediasift.catalog import nutrition as rows

                row = rows.get_nutrition(s, "bench", media_id)
                assert row is not None
                foods = [(f["name"], f["amount_g"]) for f in row.results["foods"]]
            names_first, names_stored = _name_vectors(rt)
        finally:
            rt.close()

    ingest_med, nutrition_med = statistics.median(ingest_s), statistics.median(nutrition_s)
    report = {
        "video_s": round(talk.duration_s, 1),
        "rounds": args.rounds,
        "ingest_s_per_video_minute": round(ingest_med / minutes, 2),
        "nutrition_s_per_video_minute": round(nutrition_med / minutes, 3),
        "nutrition_over_ingest": round(nutrition_med / ingest_med, 4),
        "nutrition_cold_s": round(cold, 2),
        "ingest_runs_s": [round(x, 2) for x in ingest_s],
        "nutrition_runs_s": [round(x, 3) for x in nutrition_s],
        "food_names_embedded_first_time_s": round(names_first, 1),
        "food_names_read_from_catalog_s": round(names_stored, 3),
        "foods_found": foods,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "nutrition_cost.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))


def _queued_nutrition(rt: Runtime, media_id: str) -> str:
    from mediasift.catalog import nutrition as rows

    with rt.catalog.read_session() as s:
        job = rows.latest_job(s, media_id)
    assert job is not None and job.status == "queued", job
    return job.id


def _name_vectors(rt: Runtime) -> tuple[float, float]:
    """Seconds to embed the table's ingredient names the first time, and to read them back."""
    names = [f.name for f in load_food_table().foods if f.category not in NOT_NEAREST]
    started = time.perf_counter()
    StoredNameVectors(rt, rt.text_embedder("bench", ingest=True)).embed_passages(names)
    first = time.perf_counter() - started
    started = time.perf_counter()
    StoredNameVectors(rt, rt.text_embedder("bench-2", ingest=True)).embed_passages(names)
    return first, time.perf_counter() - started


if __name__ == "__main__":
    main()
