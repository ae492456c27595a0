"""ONNX Runtime sessions on the CPU, built one way for every engine that runs a graph itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import onnxruntime


def cpu_session(model: Path | bytes, threads: int) -> onnxruntime.InferenceSession:
    """A CPU session for an ONNX file or serialised graph: ``threads`` intra-op threads, every
    graph optimisation, and threads that sleep rather than spin while they wait for work.

    Spinning is ONNX Runtime's default and pays on an idle machine with one model running; here
    two workers each run a model with ``threads`` threads on two shared cores, and a waiting
    thread that spins takes the core another model needs: two detection passes side by side ran
    2.5x faster with spinning off (docs/benchmarks.md, "Images and scanned pages").
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: a graph's own warnings are not ours to act on
    source = model if isinstance(model, bytes) else str(model)
    return onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
