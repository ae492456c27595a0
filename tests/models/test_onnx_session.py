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
from mediasift.models.onnx_session import _InFlight, cpu_session


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
