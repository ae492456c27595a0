"""ONNX Runtime sessions on the CPU, built one way for every engine that runs a graph itself, and
their native work, which the interpreter's exit waits for."""

from __future__ import annotations

import atexit
import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasift.models.built_files import built_file

if TYPE_CHECKING:
    import numpy as np
    import onnxruntime


def cpu_session(
    model: Path | bytes, threads: int, disabled_optimizers: Sequence[str] = ()
) -> onnxruntime.InferenceSession:
    """A CPU session for an ONNX file or serialised graph: ``threads`` intra-op threads, every
    graph optimisation but ``disabled_optimizers`` (ONNX Runtime's names for its fusions), and
    threads that sleep rather than spin while they wait for work.

    Spinning is ONNX Runtime's default and pays on an idle machine with one model running; here
    two workers each run a model with ``threads`` threads on two shared cores, and a waiting
    thread that spins takes the core another model needs: two detection passes side by side ran
    2.5x faster with spinning off (docs/benchmarks.md, "Images and scanned pages").

    The session is built, and each of its runs made, as native work in flight (``IN_FLIGHT``).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: a graph's own warnings are not ours to act on
    source = model if isinstance(model, bytes) else str(model)
    with IN_FLIGHT.running():
        return _guarded_session_class()(
            source, options, providers=["CPUExecutionProvider"], disabled_optimizers=list(disabled_optimizers)
        )


_FLUSH_VERSION = 1  # of without_subnormals: a change to what it writes names new files


def shipped_graph(path: Path, directories: Sequence[Path] = ()) -> bytes | Path:
    """The graph an engine ships at ``path``, as ``cpu_session`` should read it: without its
    subnormal weights (``without_subnormals``) where it has any, else ``path`` itself.

    What ``without_subnormals`` finds is kept by ``models/built_files.py`` in the first of
    ``directories`` (the per-user model cache), named for the file's place, size and time: a
    later load reads it without importing onnx (~0.5 s, a cold command's share) or parsing the
    graph. A graph with none is kept as an empty file, so a large one is not copied. With no
    ``directories``, every load looks again."""
    if not directories:
        found = without_subnormals(path)
        return path if found is None else found
    facts = path.stat()
    key = hashlib.sha256(f"{path.resolve()}:{facts.st_size}:{facts.st_mtime_ns}:{_FLUSH_VERSION}".encode())

    def write(built: Path) -> None:
        built.write_bytes(without_subnormals(path) or b"")

    kept = built_file(f"{path.stem}-{key.hexdigest()[:16]}.flushed.onnx", write, directories)
    return kept or path


def subnormal(values: np.ndarray) -> np.ndarray:
    """Where ``values`` (float32) are subnormal: nonzero and under float32's smallest normal."""
    import numpy as np

    return (values != 0) & (np.abs(values) < np.finfo(np.float32).tiny)


def without_subnormals(path: Path) -> bytes | None:
    """The graph at ``path``, serialised with every subnormal float32 weight (nonzero, under
    ~1.18e-38) set to zero; None when it holds none, or keeps its weights in files beside it (a
    large CLIP tower), which are read as they come.

    An Intel core multiplies a subnormal through a microcode assist, many times slower than a
    normal product; AMD's cores barely slow down. PP-OCR's detector ships 255,958 of them (in its
    1x1 convolutions): on an Intel Xeon it reads a picture ~3x sooner without them, its output
    equal to the last bit (``python -m bench.onnx_subnormals``; docs/benchmarks.md, "Subnormal
    weights"). A product with one is below float32's smallest normal, so zero changes no sum a
    float32 can tell apart. ONNX Runtime's own ``session.set_denormal_as_zero`` sets the flag on its
    pool's threads, not on the thread that calls ``run``, and does about half as well (the same
    benchmark). The graphs mediasift builds itself (the text encoder, EfficientNet-Lite0) hold none.
    """
    import numpy as np
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path), load_external_data=False)
    if any(weights.data_location == onnx.TensorProto.EXTERNAL for weights in graph.graph.initializer):
        return None
    flushed = False
    for weights in graph.graph.initializer:
        if weights.data_type != onnx.TensorProto.FLOAT:
            continue
        values = numpy_helper.to_array(weights)
        tiny = subnormal(values)
        if tiny.any():
            zeroed = np.where(tiny, np.float32(0), values)
            weights.CopyFrom(numpy_helper.from_array(zeroed, weights.name))
            flushed = True
    return graph.SerializeToString() if flushed else None


@cache
def _guarded_session_class() -> type[onnxruntime.InferenceSession]:
    # A subclass, not a wrapper: RapidOCR accepts a session of its own only if it is an
    # ``InferenceSession``.
    import onnxruntime

    class GuardedSession(onnxruntime.InferenceSession):
        def run(self, *args: Any, **kwargs: Any) -> Any:
            with IN_FLIGHT.running():
                return super().run(*args, **kwargs)

    return GuardedSession


class _InFlight:
    """Runs of ONNX Runtime in progress (and sessions being built), which the interpreter's exit
    waits for.

    A worker thread is a daemon: a CLI command that ran one in-process exits while it may be mid
    batch, and the interpreter then freed the session under the running call: ONNX Runtime
    aborted the process ("terminate called without an active exception", exit status -6) after
    the command had printed its result. At exit, runs in progress end first (within ``timeout_s``)
    and a run that would start after waits, for good: its thread is a daemon and the process ends.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._runs = 0
        self._closing = False

    @contextmanager
    def running(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._closing)
            self._runs += 1
        try:
            yield
        finally:
            with self._changed:
                self._runs -= 1
                self._changed.notify_all()

    def close(self, timeout_s: float = 60.0) -> None:
        with self._changed:
            self._closing = True
            self._changed.wait_for(lambda: self._runs == 0, timeout_s)


IN_FLIGHT = _InFlight()
atexit.register(IN_FLIGHT.close)
