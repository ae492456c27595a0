"""Benchmark: a short video's ingest against raw faster-whisper, warm and cold.

    python -m bench.speech_speed [--seconds 54] [--rounds 3] [--cold-rounds 2] [--cold-only]
                                 [--before SRC]

One generated talk video (tests/mediagen.py ``long_talk``: English and Spanish speech, burned-in
captions), measured side by side, interleaved over rounds:

- **warm** (models loaded, as in a running worker): raw faster-whisper (``WhisperModel.transcribe``,
  beam 5, the same Whisper base int8 weights, on ``model_threads`` CPU threads: ``raw``, and on
  one: ``raw_one_thread``) against mediasift's recognizer alone (VAD, per-region language, word
  timestamps, runs side by side) and against the whole ingest (``run_ingest``: speech and frame
  lanes, quality, enrichment, embedding, index, catalog); the ratios ``..._over_fastest_raw``
  divide by the faster of the two raws;
- **cold** (a new process each, ``bench/cold.py``): ``mediasift ingest FILE --wait`` in a fresh
  home against a process that imports faster-whisper, loads the same weights and transcribes the
  file (beam 5, on two threads and on one); with ``--before SRC``, the CLI of another source tree
  in the same rounds. One more cold ingest, in-process, reports where its time goes: imports,
  opening the home, each model's load, each stage. ``--cold-only`` skips the warm part.

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
        if "raw_one_thread" in table:
            fastest = min(("raw", "raw_one_thread"), key=lambda name: table[name]["wall_s"])
            ratios["warm_fastest_raw"] = fastest
            for over in ("recognizer", "pipeline"):
                ratios[f"warm_{over}_over_fastest_raw_wall"] = _ratio(table, over, fastest, "wall_s")
    if args.cold_rounds:
        ratios.update(cold.video_ratios(report["cold"], "cold_"))
    report["ratios"] = ratios
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "speech_speed.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({"load_average": report["load_average_at_end"], "ratios": ratios}, indent=2))


def warm(path: Path, home: Path, rounds: int) -> dict[str, Any]:
    from faster_whisper import WhisperModel

    from mediasift.asr.factory import get_speech_recognizer
    from mediasift.asr.whisper import whisper_base_files
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

    def raw_on(threads: int):  # type: ignore[no-untyped-def]
        model = WhisperModel(
            "base", device="cpu", compute_type="int8", cpu_threads=threads, files=whisper_base_files()
        )

        def raw() -> None:
            segments, _ = model.transcribe(str(path), beam_size=5)
            list(segments)

        return raw

    def recognize() -> None:
        list(recognizer.transcribe(iter_audio(path)))

    def pipeline() -> None:
        media = ingest_stream(rt, "bench", io.BytesIO(data), "talk.mp4").media
        run_ingest(rt, "bench", media.id, lambda stage, fraction: None)

    threads = rt.settings.model_threads
    runs = {"raw": raw_on(threads)}
    if threads != 1:  # one thread is the faster on some CPUs: the ratios divide by the faster too
        runs["raw_one_thread"] = raw_on(1)
    runs.update(recognizer=recognize, pipeline=pipeline)
    for name in runs:
        if name.startswith("raw"):
            runs[name]()
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
