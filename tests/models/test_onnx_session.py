"""ONNX Runtime sessions built by ``cpu_session``: real graphs, and their native work counted in
flight so the interpreter's exit waits for it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

from mediasift.models import onnx_session
from mediasift.models.onnx_session import _InFlight, cpu_session, shipped_graph


def _doubling_graph() -> bytes:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None])
    node = helper.make_node("Add", ["x", "x"], ["y"])
    model = helper.make_model(
        helper.make_graph([node], "double", [x], [y]), opset_imports=[helper.make_opsetid("", 13)]
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


class _Recorder:
    def __init__(self) -> None:
        self.entered = 0

    @contextmanager
    def running(self) -> Iterator[None]:
        self.entered += 1
        yield


def test_the_session_is_built_and_run_as_work_in_flight(monkeypatch: pytest.MonkeyPatch):
    recorder = _Recorder()
    monkeypatch.setattr(onnx_session, "IN_FLIGHT", recorder)
    session = cpu_session(_doubling_graph(), threads=1)
    assert recorder.entered == 1  # the build
    # RapidOCR takes a session of ours only if it is an InferenceSession
    assert isinstance(session, onnxruntime.InferenceSession)
    (y,) = session.run(None, {"x": np.array([1.0, 2.5], dtype=np.float32)})
    assert y.tolist() == [2.0, 5.0]
    assert recorder.entered == 2  # and the run


def test_exit_waits_for_a_run_in_progress_and_holds_later_runs():
    in_flight = _InFlight()
    started, release = threading.Event(), threading.Event()
    order: list[str] = []

    def run() -> None:
        with in_flight.running():
            started.set()
            release.wait(10)
            order.append("run ended")

    worker = threading.Thread(target=run)
    worker.start()
    started.wait(10)
    closer = threading.Thread(target=lambda: (in_flight.close(timeout_s=10), order.append("closed")))
    closer.start()
    closer.join(0.2)
    assert closer.is_alive()  # still waiting for the run
    release.set()
    closer.join(10)
    worker.join(10)
    assert order == ["run ended", "closed"]

    late = threading.Thread(target=lambda: in_flight.running().__enter__(), daemon=True)
    late.start()
    late.join(0.2)
    assert late.is_alive()  # a run that would start after exit waits for good


def _scaling_graph(weight: np.ndarray) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [len(weight)])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [len(weight)])
    scale = onnx.numpy_helper.from_array(weight.astype(np.float32), "w")
    node = helper.make_node("Mul", ["x", "w"], ["y"])
    graph = helper.make_graph([node], "scale", [x], [y], initializer=[scale])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def _weights(serialised: bytes) -> np.ndarray:
    return onnx.numpy_helper.to_array(onnx.load_from_string(serialised).graph.initializer[0])


def test_subnormal_weights_are_set_to_zero_and_the_rest_kept(tmp_path):
    subnormal = np.float32(1e-40)
    assert 0 < subnormal < np.finfo(np.float32).tiny
    path = tmp_path / "scale.onnx"
    onnx.save(_scaling_graph(np.array([subnormal, -subnormal, 0.5, 1e-30])), path)

    flushed = shipped_graph(path)
    assert isinstance(flushed, bytes)
    assert _weights(flushed).tolist() == [0.0, 0.0, 0.5, np.float32(1e-30)]
    (y,) = cpu_session(flushed, threads=1).run(None, {"x": np.array([3.0, 3.0, 3.0, 3.0], dtype=np.float32)})
    assert y.tolist() == [0.0, 0.0, 1.5, np.float32(3e-30)]


def test_a_graph_without_subnormal_weights_is_read_from_its_path(tmp_path):
    path = tmp_path / "scale.onnx"
    onnx.save(_scaling_graph(np.array([0.5, 2.0])), path)
    assert shipped_graph(path) == path
    cache = tmp_path / "cache"
    assert shipped_graph(path, [cache]) == path
    (kept,) = cache.glob("*.flushed.onnx")
    assert kept.read_bytes() == b""  # remembered as "none", not copied


def test_the_graph_without_subnormals_is_kept_once_and_read_back_without_onnx(tmp_path, monkeypatch):
    path = tmp_path / "scale.onnx"
    onnx.save(_scaling_graph(np.array([np.float32(1e-40), 0.5])), path)
    cache = tmp_path / "cache"
    first = shipped_graph(path, [cache])
    assert isinstance(first, bytes) and _weights(first).tolist() == [0.0, 0.5]

    def no_parse(_path: object) -> bytes | None:
        raise AssertionError("the kept graph is read, not built again")

    monkeypatch.setattr(onnx_session, "without_subnormals", no_parse)
    assert shipped_graph(path, [cache]) == first
    # a new file in the same place (another size or time) is looked at again
    onnx.save(_scaling_graph(np.array([np.float32(1e-40), 0.25, 1.0])), path)
    with pytest.raises(AssertionError, match="read, not built again"):
        shipped_graph(path, [cache])


def test_the_ocr_detector_as_shipped_holds_subnormal_weights_and_reads_the_same_without_them(tmp_path):
    """The reason for ``shipped_graph``: the detector's file holds a quarter of a million, and
    its output is the same to the last bit without them."""
    import pathlib

    import rapidocr

    (detector,) = pathlib.Path(rapidocr.__file__).parent.rglob("PP-OCRv6_det_small.onnx")
    shipped = onnx.load(str(detector))
    tiny = np.finfo(np.float32).tiny
    counts = [
        int(((values != 0) & (np.abs(values) < tiny)).sum())
        for values in (onnx.numpy_helper.to_array(w) for w in shipped.graph.initializer)
        if values.dtype == np.float32
    ]
    assert sum(counts) > 100_000
    flushed = shipped_graph(detector, [tmp_path])
    assert isinstance(flushed, bytes)

    pixels = np.random.default_rng(7).random((1, 3, 96, 128), dtype=np.float32)
    (expected,) = cpu_session(detector, threads=1).run(None, {"x": pixels})  # the file as it ships
    (found,) = cpu_session(flushed, threads=1).run(None, {"x": pixels})
    np.testing.assert_array_equal(found, expected)
