"""Fixtures for the Ask tests: an API whose settings a test chooses, and a fake LLM server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mediasift.models.registry import ModelRegistry
from mediasift.runtime import Runtime, open_runtime
from tests.conftest import test_settings
from tests.rag.fake_llm import FakeLLM

ApiFactory = Callable[..., tuple[TestClient, Runtime]]


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture
def make_api(tmp_path: Path, models: ModelRegistry) -> Iterator[ApiFactory]:
    """``make_api(**settings)``: the HTTP API in-process, one worker thread, data under tmp_path."""
    from mediasift.api.app import create_app
    from mediasift.worker.loop import start_worker_threads

    with ExitStack() as stack:

        def make(**overrides: object) -> tuple[TestClient, Runtime]:
            rt = open_runtime(test_settings(tmp_path / "home", **overrides))
            rt.models = models
            stack.callback(rt.close)
            workers = start_worker_threads(rt, 1)
            stack.callback(lambda: [w.stop() for w in workers])
            client = stack.enter_context(TestClient(create_app(rt)))
            return client, rt

        yield make
