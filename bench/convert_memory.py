"""Benchmark: peak memory (RSS) and speed of conversions of a long video.

    python -m bench.convert_memory [--minutes 60] [--size 640x360] [--fps 15]

Generates ``--minutes`` of synthetic video with ffmpeg (FFmpeg's moving test pattern over a tone,
H.264/AAC in MP4: cheap to make at any length, and every frame differs so nothing is skipped),
then runs each conversion in a fresh Python process, which reports its own peak RSS
(``ru_maxrss``) and wall time. A process that only imports the conversion code and probes the
video gives the baseline, so the difference is what converting costs. Conversions run through the
same engine a convert job calls (``convert.files.convert_file``), with the default settings.

Results are printed and written to bench/results/convert_memory.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cases(seconds: float) -> list[tuple[str, str | None, dict]]:
    """(name, target, options): whole-file streaming, clips that seek, pictures of the video."""

    def at(fraction: float, length: float) -> dict:
        start = round(seconds * fraction, 1)
        return {"start": start, "end": start + length}

    def clock(fraction: float) -> str:
        whole = int(seconds * fraction)
        return f"{whole // 60}:{whole % 60:02d}"

    return [
        ("probe only (baseline)", None, {}),
        ("mp3, whole video", "mp3", {"bitrate": "128k"}),
        ("mp4 H.264/AAC at 320 px wide, whole video", "mp4", {"width": 320}),
        (f"webm VP9/Opus, a 60 s clip at {clock(0.75)}", "webm", at(0.75, 60.0)),
        (f"wav, a 30 s clip at {clock(0.5)}", "wav", at(0.5, 30.0)),
        (f"gif preview, 10 s at {clock(0.33)}", "gif", at(0.33, 10.0)),
        ("contact sheet, 24 frames", "contact-sheet", {"count": 24}),
    ]


def generate(dest: Path, minutes: float, size: str, fps: int) -> float:
    seconds = minutes * 60
    started = time.perf_counter()
    subprocess.run(
        [
            "ffmpeg", "-y", "-v", "error",
            "-f", "lavfi", "-i", f"testsrc2=s={size}:r={fps}:d={seconds}",
            "-f", "lavfi", "-i", f"sine=f=440:r=44100:d={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(fps * 10),
            "-c:a", "aac", "-b:a", "96k", "-shortest", str(dest),
        ],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def child(source: str, target: str | None, options: str, out_dir: str) -> None:
    """Run one conversion in this process and print its numbers as JSON."""
    from mediasift.config import Settings
    from mediasift.convert.files import convert_file
    from mediasift.convert.targets import resolve
    from mediasift.media.probe import probe

    settings = Settings(_env_file=None, home=Path(out_dir) / "home")  # type: ignore[call-arg]
    started = time.perf_counter()
    media = probe(Path(source), settings)
    result: dict = {"duration_s": media.duration_s}
    if target is not None:
        spec, canonical = resolve("video", "video/mp4", target, json.loads(options))
        dest = Path(out_dir) / f"out{spec.ext}"
        info = convert_file(spec, Path(source), "video/mp4", dest, canonical, settings)
        result.update(info=info, output_bytes=dest.stat().st_size)
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument(
        "--child", nargs=4, metavar=("SOURCE", "TARGET", "OPTIONS", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        source, target, options, out = args.child
        child(source, None if target == "-" else target, options, out)
        return
    results = {"minutes": args.minutes, "size": args.size, "fps": args.fps, "cases": []}
    with tempfile.TemporaryDirectory(prefix="bench-convert-") as tmp:
        video = Path(tmp) / "long.mp4"
        made = generate(video, args.minutes, args.size, args.fps)
        results.update(generate_s=round(made, 1), source_bytes=video.stat().st_size)
        size = video.stat().st_size
        print(f"generated {args.minutes:g} min of {args.size} @ {args.fps} fps: {size} bytes in {made:.0f} s")
        for name, target, options in cases(args.minutes * 60):
            out = Path(tmp) / f"case{len(results['cases'])}"
            out.mkdir()
            run = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.convert_memory",
                    "--child",
                    str(video),
                    target or "-",
                    json.dumps(options),
                    str(out),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode != 0:
                raise SystemExit(f"{name} failed:\n{run.stderr[-2000:]}")
            measured = json.loads(run.stdout.strip().splitlines()[-1])
            measured["name"] = name
            results["cases"].append(measured)
            speed = args.minutes * 60 / measured["seconds"] if target in ("mp3", "mp4") else None
            extra = f", {speed:.0f}x real time" if speed else ""
            rss, seconds = measured["peak_rss_mib"], measured["seconds"]
            print(f"{name:<45} peak RSS {rss:>7.1f} MiB  {seconds:>7.1f} s{extra}", flush=True)
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/convert_memory.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
