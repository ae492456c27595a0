"""Benchmark: a short video's ingest against raw faster-whisper, warm and cold.

    python -m bench.speech_speed [--seconds 54] [--rounds 3] [--cold-rounds 2]

One generated talk video (tests/mediagen.py ``long_talk``: English and Spanish speech, burned-in
captions), measured side by side, interleaved over rounds:

- **warm** (models loaded, as in a running worker): raw faster-whisper (``WhisperModel.transcribe``,
  beam 5, the same Whisper base int8 weights and threads) against mediasift's recognizer alone
  (VAD, per-region language, word timestamps) and against the whole ingest (``run_ingest``: speech
  and frame lanes, quality, enrichment, embedding, index, catalog);
- **cold** (a new process each): ``mediasift ingest FILE --wait`` in a fresh home against a process
  that imports faster-whisper, loads the same weights and transcribes the file (beam 5). One more
  cold ingest, in-process, reports where its time goes: imports, opening the home, each model's
  load, each stage.

Wall seconds and the process's CPU seconds (which the machine's other load disturbs less) per
phase; ratios are printed last. Writes bench/results/speech_speed.json.
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
from collections import defaultdict
from pathlib import Path
from typing import Any

_RAW_COLD = """
import sys, time
started = time.perf_counter()
from mediasift.asr.whisper import Hardware, load_whisper_base
model = load_whisper_base(Hardware())
segments, _ = model.transcribe(sys.argv[1], beam_size=5)
print(sum(1 for _ in segments), round(time.perf_counter() - started, 2))
"""

_PHASES_COLD = """
import io, json, sys, time
t0 = time.perf_counter()
from mediasift import meters
from mediasift.config import Settings
from mediasift.runtime import open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.worker.pipeline import run_ingest
phases = {"imports": time.perf_counter() - t0}
stages = {}
observe = meters.observe_stage
meters.observe_stage = lambda name, s: (stages.__setitem__(name, round(s, 2)), observe(name, s))
t = time.perf_counter()
rt = open_runtime(Settings(_env_file=None, home=sys.argv[2]))
phases["open_home"] = time.perf_counter() - t
t = time.perf_counter()
media = ingest_stream(rt, "bench", io.BytesIO(open(sys.argv[1], "rb").read()), "talk.mp4").media
phases["upload"] = time.perf_counter() - t
t = time.perf_counter()
run_ingest(rt, "bench", media.id, lambda stage, fraction: None)
phases["ingest"] = time.perf_counter() - t
phases["total"] = time.perf_counter() - t0
print(json.dumps({
    "phases_s": {k: round(v, 2) for k, v in phases.items()},
    "stages_s": stages,
    "model_loads_s (inside the stages)": {k: round(v, 2) for k, v in rt.models.load_seconds.items()},
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=54.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold-rounds", type=int, default=2)
    args = parser.parse_args()

    from tests import mediagen

    report: dict[str, Any] = {"load_average_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-speech-") as tmp:
        video = mediagen.long_talk(Path(tmp) / "gen", duration_s=args.seconds, ext="mp4")
        report["media_duration_s"] = round(video.duration_s, 1)
        report["warm"] = warm(video.path, Path(tmp) / "warm", args.rounds)
        print(json.dumps({"warm": report["warm"]}), flush=True)
        if args.cold_rounds:
            report["cold"] = cold(video.path, Path(tmp), args.cold_rounds)
            print(json.dumps({"cold": report["cold"]}), flush=True)
    report["load_average_at_end"] = os.getloadavg()
    ratios = {
        "warm_recognizer_over_raw_wall": _ratio(report["warm"], "recognizer", "raw", "wall_s"),
        "warm_recognizer_over_raw_cpu": _ratio(report["warm"], "recognizer", "raw", "cpu_s"),
        "warm_pipeline_over_raw_wall": _ratio(report["warm"], "pipeline", "raw", "wall_s"),
        "warm_pipeline_over_raw_cpu": _ratio(report["warm"], "pipeline", "raw", "cpu_s"),
    }
    if args.cold_rounds:
        ratios["cold_cli_over_cold_raw_wall"] = _ratio(report["cold"], "cli", "raw", "wall_s")
    report["ratios"] = ratios
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "speech_speed.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({"load_average": report["load_average_at_end"], "ratios": ratios}, indent=2))


def warm(path: Path, home: Path, rounds: int) -> dict[str, Any]:
    from mediasift.asr.factory import get_speech_recognizer, get_whisper
    from mediasift.config import Settings
    from mediasift.media.audio import iter_audio
    from mediasift.ops.readiness import PRELOADABLE, preload
    from mediasift.runtime import open_runtime
    from mediasift.services.ingest import ingest_stream
    from mediasift.worker.pipeline import run_ingest

    rt = open_runtime(Settings(_env_file=None, home=home))  # type: ignore[call-arg]
    for name in PRELOADABLE:  # as a worker has them: loaded once, before its first job
        preload(rt.models, rt.settings, name)
    recognizer = get_speech_recognizer(rt.models, rt.settings)
    data = path.read_bytes()

    def raw() -> None:
        with get_whisper(rt.models, rt.settings).loaded() as model:
            segments, _ = model.transcribe(str(path), beam_size=5)
            list(segments)

    def recognize() -> None:
        list(recognizer.transcribe(iter_audio(path)))

    def pipeline() -> None:
        media = ingest_stream(rt, "bench", io.BytesIO(data), "talk.mp4").media
        run_ingest(rt, "bench", media.id, lambda stage, fraction: None)

    runs = {"raw": raw, "recognizer": recognize, "pipeline": pipeline}
    raw()
    pipeline()  # first use of enrichment's models, quality's filters: not a worker's steady state
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"wall_s": 0.0, "cpu_s": 0.0})
    for round_ in range(rounds):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            totals[name]["wall_s"] += wall
            totals[name]["cpu_s"] += cpu
            print(f"round {round_} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
    rt.close()
    return {name: {k: round(v, 2) for k, v in t.items()} for name, t in totals.items()}


def cold(path: Path, tmp: Path, rounds: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"wall_s": 0.0})
    for round_ in range(rounds):
        home = tmp / f"cold-{round_}"
        for name, command in (
            ("raw", [sys.executable, "-c", _RAW_COLD, str(path)]),
            ("cli", [sys.executable, "-m", "mediasift", "ingest", str(path), "--wait", "--json"]),
        ):
            started = time.perf_counter()
            # The CLI's workers at the raw process's priority: on a shared machine their default
            # niceness (10, so that an API in the same process stays responsive) would measure the
            # other processes' load, not the ingest.
            niceness = {"MEDIASIFT_WORKER_NICENESS": "0", "MEDIASIFT_HOME": str(home)}
            subprocess.run(command, env={**env, **niceness}, check=True, capture_output=True)
            wall = time.perf_counter() - started
            totals[name]["wall_s"] += wall
            print(f"cold round {round_} {name}: {wall:.2f} s", flush=True)
    phases = subprocess.run(
        [sys.executable, "-c", _PHASES_COLD, str(path), str(tmp / "cold-phases")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = {name: {k: round(v, 2) for k, v in t.items()} for name, t in totals.items()}
    result["in_process_phases"] = json.loads(phases.stdout.strip().splitlines()[-1])
    return result


def _ratio(table: dict[str, Any], over: str, under: str, column: str) -> float:
    return round(table[over][column] / table[under][column], 2)


if __name__ == "__main__":
    main()
