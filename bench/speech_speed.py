"""Benchmark: a short video's ingest against raw faster-whisper, warm and cold.

    python -m bench.speech_speed [--seconds 54] [--rounds 3] [--cold-rounds 2] [--cold-only]
                                 [--before SRC]

One generated talk video (tests/mediagen.py ``long_talk``: English and Spanish speech, burned-in
captions), measured side by side, interleaved over rounds:

- **warm** (models loaded, as in a running worker): raw faster-whisper (``WhisperModel.transcribe``,
  beam 5, the same Whisper base int8 weights and threads) against mediasift's recognizer alone
  (VAD, per-region language, word timestamps) and against the whole ingest (``run_ingest``: speech
  and frame lanes, quality, enrichment, embedding, index, catalog); where recognition runs on other
  threads than ``model_threads`` (``MEDIASIFT_ASR_THREADS=1``: a core left to the lanes beside it),
  raw faster-whisper on ``model_threads`` threads too (``raw_model_threads``), and the ratios
  ``..._over_fastest_raw`` divide by the faster of the two raws;
- **cold** (a new process each, ``bench/cold.py``): ``mediasift ingest FILE --wait`` in a fresh
  home against a process that imports faster-whisper, loads the same weights and transcribes the
  file (beam 5); with ``--before SRC``, the CLI of another source tree in the same rounds. One more
  cold ingest, in-process, reports where its time goes: imports, opening the home, each model's
  load, each stage. ``--cold-only`` skips the warm part.

Wall seconds and the process's CPU seconds (which the machine's other load disturbs less) per
phase; ratios are printed last. Writes bench/results/speech_speed.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import cold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=54.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold-rounds", type=int, default=2)
    parser.add_argument("--cold-only", action="store_true", help="skip the warm part")
    parser.add_argument("--before", type=Path, help="cold: the src/ of another tree, in the same rounds")
    args = parser.parse_args()

    from tests import mediagen

    report: dict[str, Any] = {"load_average_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-speech-") as tmp:
        video = mediagen.long_talk(Path(tmp) / "gen", duration_s=args.seconds, ext="mp4")
        report["media_duration_s"] = round(video.duration_s, 1)
        if not args.cold_only:
            report["warm"] = warm(video.path, Path(tmp) / "warm", args.rounds)
            print(json.dumps({"warm": report["warm"]}), flush=True)
        if args.cold_rounds:
            report["cold"] = cold.video(Path(tmp) / "cold", args.seconds, args.cold_rounds, args.before)
            print(json.dumps({"cold": report["cold"]}), flush=True)
    report["load_average_at_end"] = os.getloadavg()
    ratios = {}
    if not args.cold_only:
        table = report["warm"]
        ratios = {
            "warm_recognizer_over_raw_wall": _ratio(table, "recognizer", "raw", "wall_s"),
            "warm_recognizer_over_raw_cpu": _ratio(table, "recognizer", "raw", "cpu_s"),
            "warm_pipeline_over_raw_wall": _ratio(table, "pipeline", "raw", "wall_s"),
            "warm_pipeline_over_raw_cpu": _ratio(table, "pipeline", "raw", "cpu_s"),
        }
        if "raw_model_threads" in table:
            fastest = min(("raw", "raw_model_threads"), key=lambda name: table[name]["wall_s"])
            ratios["warm_fastest_raw"] = fastest
            for over in ("recognizer", "pipeline"):
                ratios[f"warm_{over}_over_fastest_raw_wall"] = _ratio(table, over, fastest, "wall_s")
    if args.cold_rounds:
        ratios["cold_cli_over_cold_raw_wall"] = _ratio(report["cold"], "cli", "raw", "wall_s")
        ratios["cold_cli_over_cold_raw_cpu"] = _ratio(report["cold"], "cli", "raw", "cpu_s")
        if args.before:
            ratios["cold_cli_before_over_cold_raw_wall"] = _ratio(
                report["cold"], "cli_before", "raw", "wall_s"
            )
    report["ratios"] = ratios
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "speech_speed.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({"load_average": report["load_average_at_end"], "ratios": ratios}, indent=2))


def warm(path: Path, home: Path, rounds: int) -> dict[str, Any]:
    from mediasift.asr.factory import get_speech_recognizer, get_whisper
    from mediasift.asr.whisper import Hardware, load_whisper_base, speech_threads
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
    threads = rt.settings.model_threads
    if speech_threads(rt.settings) != threads and rt.settings.asr_model == "whisper-base":
        # faster-whisper on the threads every other model gets, beside the recognizer's own
        other = load_whisper_base(Hardware(rt.settings.asr_device, rt.settings.asr_compute_type, threads))

        def raw_model_threads() -> None:
            segments, _ = other.transcribe(str(path), beam_size=5)
            list(segments)

        runs = {"raw": raw, "raw_model_threads": raw_model_threads, **runs}
        raw_model_threads()
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


def _ratio(table: dict[str, Any], over: str, under: str, column: str) -> float:
    return round(table[over][column] / table[under][column], 2)


if __name__ == "__main__":
    main()
