"""Benchmark: one video through a workflow of several post-ingest steps, on 1 worker and on 2.

    python -m bench.workflow_parallel [--seconds 60] [--rounds 3] [--model-threads 1]

Generates an MP4 talk (speech and burned-in captions: tests/mediagen.py) and, each run, puts it
in a fresh home (empty catalog, index, conversions and embedding cache) under a collection whose
workflow asks for speech, OCR, and then five steps that only wait for the ingest: ``enrich``,
``classify``, ``quality`` and two conversions (``mp3``, ``mp4`` at 320 px wide); ``index`` waits
for the first three. The steps are jobs of their own on the queue (``jobs/steps.py``), so with two
worker threads two of them run at a time. Runs alternate 1 and 2 workers (1/2, then 2/1, …) so
that a machine whose load drifts weighs on both alike; models are loaded once, by a warm-up run
whose times are not kept, and shared by every run (as a worker has them).

Reports per run the ingest job's seconds, the steps' seconds (from the ingest's end to the last
step's end) and the whole; then the medians, and last the speed-up of the steps on 2 workers over
1 (the median of each round's own ratio). The ingest is one job either way: only the steps can
run side by side. Writes bench/results/workflow_parallel.json.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from mediasift.catalog import jobs as job_rows
from mediasift.catalog import steps as step_rows
from mediasift.config import Settings
from mediasift.domain import epoch_seconds
from mediasift.models.registry import ModelRegistry
from mediasift.runtime import Runtime, open_runtime
from mediasift.services import taxonomies, workflows
from mediasift.services.ingest import ingest_stream
from mediasift.worker.loop import start_worker_threads, stop_workers

TENANT = "bench"
WORKFLOW = """version: 1
steps:
  - transcribe: {}
  - ocr: {}
  - enrich: [entities, keywords, summary]
  - classify: {taxonomy: temas}
  - quality: {}
  - convert: [{to: mp3}, {to: mp4, options: {width: 320}}]
"""
TAXONOMY = {
    "labels": [
        {"name": "travel", "description": "trains, journeys, luggage, stations"},
        {"name": "devices", "description": "batteries, chargers, phones and cameras"},
        {"name": "cooking", "description": "recipes, kitchens and food"},
    ]
}
ENDED = step_rows.ENDED
# job timestamps are wall-clock datetimes; runs are timed with perf_counter: one offset links them
_OFFSET = time.time() - time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model-threads", type=int, default=1)
    args = parser.parse_args()

    from tests import mediagen

    models = ModelRegistry()
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-workflow-") as tmp:
        tmp_path = Path(tmp)
        talk = mediagen.long_talk(tmp_path / "gen", duration_s=args.seconds, ext="mp4")
        data = talk.path.read_bytes()
        # a run whose times are not kept: it loads every model the steps use, once
        warm = _run(tmp_path / "home-warm-up", models, data, 2, args.model_threads)
        print(f"warm-up (models load; not counted): {warm}", flush=True)
        for r in range(args.rounds):
            for workers in (1, 2) if r % 2 == 0 else (2, 1):
                home = tmp_path / f"home-{r}-{workers}"
                run = _run(home, models, data, workers, args.model_threads)
                runs[workers].append(run)
                print(f"round {r + 1}, {workers} worker(s): {run}", flush=True)

    def median(workers: int, key: str) -> float:
        return round(statistics.median(run[key] for run in runs[workers]), 2)

    paired = [one["steps_s"] / two["steps_s"] for one, two in zip(runs[1], runs[2], strict=True)]
    whole = [one["total_s"] / two["total_s"] for one, two in zip(runs[1], runs[2], strict=True)]
    report = {
        "video_duration_s": round(talk.duration_s, 1),
        "rounds": args.rounds,
        "model_threads": args.model_threads,
        "runs": {str(k): v for k, v in runs.items()},
        **{
            f"{key}_{w}_worker_median": median(w, key)
            for w in (1, 2)
            for key in ("ingest_s", "steps_s", "total_s")
        },
        "whole_speedup_2_over_1_per_round_median": round(statistics.median(whole), 3),
        "steps_speedup_2_over_1_per_round_median": round(statistics.median(paired), 3),
    }
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "workflow_parallel.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(f"steps speed-up, 2 workers over 1: {report['steps_speedup_2_over_1_per_round_median']:.2f}x")


def _run(
    home: Path, models: ModelRegistry, data: bytes, workers: int, model_threads: int
) -> dict[str, float]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, home=home, model_threads=model_threads, worker_niceness=0, poll_interval_s=0.05
    )
    rt = open_runtime(settings)
    rt.models = models
    try:
        taxonomies.put_taxonomy(rt, TENANT, "temas", TAXONOMY)
        workflows.put_workflow(rt, TENANT, "bench", WORKFLOW, "application/yaml")
        threads = start_worker_threads(rt, workers)
        try:
            t0 = time.perf_counter()
            ingested = ingest_stream(rt, TENANT, io.BytesIO(data), "talk.mp4", collection="bench")
            _wait(rt, ingested.media.id)
        finally:
            stop_workers(threads, 10.0)
        ingest_end, done, failed = _ended(rt, ingested.media.id)
        if failed:
            raise SystemExit(f"steps did not succeed: {failed}")
    finally:
        rt.close()
    return {
        "ingest_s": round(ingest_end - t0, 2),
        "steps_s": round(done - ingest_end, 2),
        "total_s": round(done - t0, 2),
    }


def _wait(rt: Runtime, media_id: str, timeout_s: float = 1800.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with rt.catalog.read_session() as s:
            rows = step_rows.media_steps(s, media_id)
        if rows and all(r.status in ENDED for r in rows):
            return
        time.sleep(0.05)
    raise SystemExit(f"media {media_id}: steps did not end in {timeout_s} s")


def _ended(rt: Runtime, media_id: str) -> tuple[float, float, dict[str, str]]:
    """When the ingest job ended and when the last step's did (perf_counter seconds), and the
    steps that did not succeed."""
    with rt.catalog.read_session() as s:
        rows = step_rows.media_steps(s, media_id)
        finished = {}
        for row in rows:
            job = job_rows.find_job(s, row.job_id) if row.job_id else None
            if job is not None and job.finished_at is not None:
                finished[row.step_key] = epoch_seconds(job.finished_at) - _OFFSET
        failed = {r.step_key: r.status for r in rows if r.status != "succeeded"}
    return finished["ingest"], max(finished.values()), failed


if __name__ == "__main__":
    main()
