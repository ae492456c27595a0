"""Benchmark: ingest a generated talk video (default 10 minutes) on this machine.

    python -m bench.video_ingest [--minutes 10] [--workers-threads 2]

Generates an MP4 with English and Spanish speech and burned-in captions (tests/mediagen.py),
then runs the real pipeline in-process (sniff → speech lane ∥ frame lane → embed → index →
catalog) and, separately, ASR alone on the same audio. Reports wall time, real-time factors
(wall / media duration) of the whole ingest and of ASR alone, time per stage (from the job's
progress reports) and peak RSS. Writes bench/results/video_ingest.json.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import tempfile
import time
from pathlib import Path

from mediasift.config import Settings
from mediasift.runtime import open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.worker.pipeline import run_ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model-threads", type=int, default=2)
    args = parser.parse_args()

    from tests import mediagen

    with tempfile.TemporaryDirectory(prefix="mediasift-bench-video-") as tmp:
        tmp_path = Path(tmp)
        started = time.perf_counter()
        talk = mediagen.long_talk(tmp_path / "gen", duration_s=args.minutes * 60, ext="mp4")
        print(f"generated {talk.duration_s:.0f} s video in {time.perf_counter() - started:.0f} s", flush=True)

        settings = Settings(_env_file=None, home=tmp_path / "home", model_threads=args.model_threads)  # type: ignore[call-arg]
        rt = open_runtime(settings)
        with talk.path.open("rb") as f:
            media = ingest_stream(rt, "bench", io.BytesIO(f.read()), "talk.mp4").media

        # A worker loads its models once and then ingests file after file: load them first (as
        # `mediasift serve` does with MEDIASIFT_PRELOAD_MODELS) and report that one-off cost apart.
        t_load = time.perf_counter()
        _preload(rt)
        models_load_s = time.perf_counter() - t_load

        stage_started: dict[str, float] = {}

        def progress(stage: str, fraction: float) -> None:
            stage_started.setdefault(stage, time.perf_counter())

        t0 = time.perf_counter()
        indexed = run_ingest(rt, "bench", media.id, progress)
        wall = time.perf_counter() - t0
        marks = [*sorted(stage_started.items(), key=lambda kv: kv[1]), ("end", t0 + wall)]
        stages = {name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(marks[:-1])}

        from mediasift.asr.factory import get_speech_recognizer
        from mediasift.media.audio import iter_audio

        recognizer = get_speech_recognizer(rt.models, rt.settings)
        t1 = time.perf_counter()
        segments = list(recognizer.transcribe(iter_audio(talk.path)))
        asr_wall = time.perf_counter() - t1
        rt.close()

    report = {
        "media_duration_s": round(talk.duration_s, 1),
        "models_load_s (once per process, not in the ingest time)": round(models_load_s, 1),
        "ingest_wall_s": round(wall, 1),
        "ingest_rtf": round(wall / talk.duration_s, 3),
        "ingest_speed_x_realtime": round(talk.duration_s / wall, 1),
        "asr_alone_wall_s": round(asr_wall, 1),
        "asr_alone_rtf": round(asr_wall / talk.duration_s, 3),
        "stages_s (first report of each stage → next; speech and frame lanes overlap)": stages,
        "points_indexed": indexed,
        "speech_segments": len(segments),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "model_threads": args.model_threads,
        "asr_beam_size": settings.asr_beam_size,
    }
    print(json.dumps(report, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "video_ingest.json").write_text(json.dumps(report, indent=2))


def _preload(rt) -> None:  # type: ignore[no-untyped-def]
    from mediasift.ops.readiness import PRELOADABLE, preload

    for name in PRELOADABLE:  # text, image, asr, ocr
        preload(rt.models, rt.settings, name)


if __name__ == "__main__":
    main()
