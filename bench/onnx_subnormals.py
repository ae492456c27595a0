"""Benchmark: ONNX graphs as shipped against the same graphs without their subnormal weights.

    python -m bench.onnx_subnormals [--rounds 3] [--runs 5]

For RapidOCR's detector (a 512 x 512 and a 640 x 960 input) and recogniser (six 48 x 320 lines),
each three ways, on ``cpu_session``'s options: as its wheel ships it; as shipped with ONNX Runtime's
own ``session.set_denormal_as_zero``; and as ``models/onnx_session.shipped_graph`` gives it
(subnormal float32 weights set to zero). How many subnormal weights the file holds, whether the
outputs are equal bit for bit, and milliseconds a pass, the sessions alternating over ``--rounds``
rounds of ``--runs`` passes on ``--threads`` threads, run from this thread as the engines run them.
An Intel core multiplies a subnormal through a microcode assist; an AMD core barely slows down, so
the ratio depends on the host (printed). Results go to bench/results/onnx_subnormals.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime
from onnx import numpy_helper

from mediasift.models.onnx_session import cpu_session, subnormal, without_subnormals

RESULTS = Path(__file__).parent / "results" / "onnx_subnormals.json"


def subnormal_count(path: Path) -> int:
    values = (numpy_helper.to_array(w) for w in onnx.load(str(path)).graph.initializer)
    return sum(int(subnormal(v).sum()) for v in values if v.dtype == np.float32)


def cpu_model() -> str:
    info = Path("/proc/cpuinfo")
    names = (
        [line for line in info.read_text().splitlines() if line.startswith("model name")]
        if info.exists()
        else []
    )
    return names[0].split(":", 1)[1].strip() if names else platform.processor() or "unknown"


def denormals_as_zero(path: Path, threads: int) -> onnxruntime.InferenceSession:
    """``cpu_session``'s options, and ONNX Runtime's own flag for denormals."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.set_denormal_as_zero", "1")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def compare(path: Path, shape: tuple[int, ...], rounds: int, runs: int, threads: int) -> dict[str, Any]:
    flushed = without_subnormals(path)
    sessions = {"as shipped": cpu_session(path, threads)}
    if flushed is not None:
        sessions["set_denormal_as_zero"] = denormals_as_zero(path, threads)
        sessions["without subnormals"] = cpu_session(flushed, threads)
    pixels = np.random.default_rng(7).random(shape, dtype=np.float32)
    name = sessions["as shipped"].get_inputs()[0].name
    outputs = {label: s.run(None, {name: pixels})[0] for label, s in sessions.items()}  # warm, and bits
    ms: dict[str, list[float]] = {label: [] for label in sessions}
    for _ in range(rounds):
        for label, session in sessions.items():
            started = time.perf_counter()
            for _ in range(runs):
                session.run(None, {name: pixels})
            ms[label].append((time.perf_counter() - started) / runs * 1000)
    report: dict[str, Any] = {
        "input": list(shape),
        "ms_per_pass": {label: [round(v, 1) for v in values] for label, values in ms.items()},
    }
    if flushed is not None:
        report["equal_bits"] = bool(np.array_equal(outputs["as shipped"], outputs["without subnormals"]))
        shipped = statistics.median(ms["as shipped"])
        report["shipped_over_flushed"] = round(shipped / statistics.median(ms["without subnormals"]), 2)
        report["shipped_over_denormal_flag"] = round(
            shipped / statistics.median(ms["set_denormal_as_zero"]), 2
        )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import rapidocr

    root = Path(rapidocr.__file__).parent
    (detector,) = root.rglob("PP-OCRv6_det_small.onnx")
    (recogniser,) = root.rglob("PP-OCRv6_rec_small.onnx")
    report: dict[str, Any] = {"cpu": cpu_model(), "threads": args.threads, "graphs": {}}
    for label, path, shape in (
        ("detector 512x512", detector, (1, 3, 512, 512)),
        ("detector 640x960", detector, (1, 3, 640, 960)),
        ("recogniser 6 lines", recogniser, (6, 3, 48, 320)),
    ):
        found = compare(path, shape, args.rounds, args.runs, args.threads)
        report["graphs"][label] = {"subnormal_weights": subnormal_count(path), **found}
        print(json.dumps({label: report["graphs"][label]}), flush=True)
    report["ratios"] = {
        f"{label}, {way}": graph[key]
        for label, graph in report["graphs"].items()
        for way, key in (("flushed", "shipped_over_flushed"), ("ORT's flag", "shipped_over_denormal_flag"))
        if key in graph
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({"cpu": report["cpu"], "ratios": report["ratios"]}, indent=2))


if __name__ == "__main__":
    main()
