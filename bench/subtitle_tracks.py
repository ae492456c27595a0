"""Benchmark: a video that carries its own subtitle track against the same video without one.

    python -m bench.subtitle_tracks [--seconds 54] [--rounds 3]

One generated talk video (tests/mediagen.py ``long_talk``: English and Spanish speech, burned-in
captions) and a copy of it with a text subtitle track (MP4 ``mov_text``, untagged, as an editor
exports it) holding what the talk says at the seconds it is said. Both go through the whole ingest
(``run_ingest``: speech or the track, the frame lane, quality, enrichment, embedding, index,
catalog) in one warm process (models loaded first, as a worker has them), alternately over
``--rounds`` rounds. With the default ``MEDIASIFT_SUBTITLE_TRACKS=transcript`` the track is the
transcript and speech is not recognised. Wall and CPU seconds of each; the ratios (subtitled ÷
recognised) are printed last. Writes bench/results/subtitle_tracks.json.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=54.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from tests import mediagen

    with tempfile.TemporaryDirectory(prefix="mediasift-bench-subtitles-") as tmp:
        root = Path(tmp)
        talk = mediagen.long_talk(root / "gen", duration_s=args.seconds, ext="mp4")
        track = mediagen.SubtitleTrack([(u.start_s, u.end_s, u.text) for u in talk.utterances])
        subtitled = mediagen.with_subtitles(talk.path, root / "subtitled.mp4", [track])
        print(f"{talk.duration_s:.1f} s video, {len(talk.utterances)} utterances", flush=True)
        totals, checks = measure(
            {"recognised": talk.path, "subtitled": subtitled}, root / "home", args.rounds
        )

    ratios = {
        column: round(totals["subtitled"][column] / totals["recognised"][column], 3)
        for column in ("wall_s", "cpu_s")
    }
    result = {"seconds": round(talk.duration_s, 1), "rounds": args.rounds, "totals": totals, "checks": checks}
    result["ratios_subtitled_over_recognised"] = ratios
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "subtitle_tracks.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(checks))
    print(f"subtitled / recognised: wall {ratios['wall_s']}, CPU {ratios['cpu_s']}")


def measure(paths: dict[str, Path], home: Path, rounds: int) -> tuple[dict[str, Any], dict[str, Any]]:
    from mediasift.catalog import repo
    from mediasift.config import Settings
    from mediasift.ops.readiness import PRELOADABLE, preload
    from mediasift.runtime import open_runtime
    from mediasift.services.ingest import ingest_stream
    from mediasift.worker.pipeline import run_ingest

    rt = open_runtime(Settings(_env_file=None, home=home))  # type: ignore[call-arg]
    for name in PRELOADABLE:  # as a worker has them: loaded once, before its first job
        preload(rt.models, rt.settings, name)
    data = {name: path.read_bytes() for name, path in paths.items()}
    checks: dict[str, Any] = {}

    def ingest(name: str) -> None:
        media = ingest_stream(rt, "bench", io.BytesIO(data[name]), f"{name}.mp4").media
        run_ingest(rt, "bench", media.id, lambda stage, fraction: None)
        with rt.catalog.read_session() as s:
            extracted = (repo.get_media(s, "bench", media.id).meta or {}).get("extracted", {})
            speech = [x for x in repo.media_segments(s, "bench", media.id) if x.modality == "speech"]
        checks[name] = {"asr_model": extracted.get("asr_model"), "speech_segments": len(speech)}

    for name in paths:  # first use of enrichment's models, quality's filters: not a steady state
        ingest(name)
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"wall_s": 0.0, "cpu_s": 0.0})
    for round_ in range(rounds):
        order = list(paths) if round_ % 2 == 0 else list(reversed(paths))
        for name in order:
            wall, cpu = time.perf_counter(), time.process_time()
            ingest(name)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            totals[name]["wall_s"] += wall
            totals[name]["cpu_s"] += cpu
            print(f"round {round_} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
    rt.close()
    return {name: {k: round(v, 2) for k, v in t.items()} for name, t in totals.items()}, checks


if __name__ == "__main__":
    main()
