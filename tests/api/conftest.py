"""A server shared by one test module: media ingested once by a module fixture, read by each test."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mediasift.models.registry import ModelRegistry
from tests.conftest import test_settings


@pytest.fixture(scope="module")
def module_api(tmp_path_factory: pytest.TempPathFactory, models: ModelRegistry) -> Iterator[TestClient]:
    """The HTTP API in-process with one worker thread, on its own MEDIASIFT_HOME, for one module."""
    from mediasift.api.app import create_app
    from mediasift.runtime import open_runtime
    from mediasift.worker.loop import start_worker_threads

    rt = open_runtime(test_settings(tmp_path_factory.mktemp("module-home")))
    rt.models = models
    workers = start_worker_threads(rt, 1)
    with TestClient(create_app(rt)) as client:
        yield client
    for w in workers:
        w.stop()
    rt.close()
