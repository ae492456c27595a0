"""Shared fixtures: an isolated MEDIASIFT_HOME per test, one model registry per session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mediasift.config import Settings
from mediasift.models.registry import ModelRegistry
from mediasift.runtime import Runtime, open_runtime

pytest_plugins = ["tests.aws_fixtures", "tests.pg_fixtures"]

TERMINAL = {"succeeded", "dead", "cancelled"}


def test_settings(home: Path, **overrides) -> Settings:  # type: ignore[no-untyped-def]
    """Settings for tests: fast retries and polling, everything under ``home``."""
    values = dict(
        home=home,
        max_attempts=2,
        backoff_base_s=0.05,
        backoff_max_s=0.2,
        heartbeat_s=0.5,
        visibility_timeout_s=30.0,
        poll_interval_s=0.05,
        workers=1,
        model_threads=2,
        # Tests share the machine with other suites: niced workers would lose the cores to them
        # (tests of the priority itself set it; `serve` processes keep the default).
        worker_niceness=0,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


test_settings.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The model files built from packaged weights (ONNX graphs) go to a cache of this session,
    not the user's: a run builds them once (about 2 s) and never reads what another version of
    mediasift left. Set in the environment, so the CLI and servers tests start inherit it."""
    path = tmp_path_factory.mktemp("model-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("MEDIASIFT_MODEL_CACHE", str(path))
    yield path
    patch.undo()


@pytest.fixture(scope="session")
def models() -> ModelRegistry:
    """Models load once per test session and are shared, as worker threads share them."""
    return ModelRegistry()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return test_settings(tmp_path / "home")


@pytest.fixture
def runtime(settings: Settings, models: ModelRegistry) -> Iterator[Runtime]:
    rt = open_runtime(settings)
    rt.models = models
    yield rt
    rt.close()


@pytest.fixture
def api(runtime: Runtime) -> Iterator[TestClient]:
    """The HTTP API in-process with one worker thread processing jobs."""
    from mediasift.api.app import create_app
    from mediasift.worker.loop import start_worker_threads

    workers = start_worker_threads(runtime, 1)
    with TestClient(create_app(runtime)) as client:
        yield client
    for w in workers:
        w.stop()


def wait_for_job(
    client: TestClient, job_id: str, timeout_s: float = 180.0, tenant: str | None = None
) -> dict:
    headers = {"X-Mediasift-Tenant": tenant} if tenant else {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in TERMINAL:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s}s: {job}")


def upload(client: TestClient, path: Path, tenant: str | None = None, **form: str) -> dict:
    headers = {"X-Mediasift-Tenant": tenant} if tenant else {}
    with path.open("rb") as f:
        response = client.post("/v1/media", files={"file": (path.name, f)}, data=form, headers=headers)
    assert response.status_code in (200, 202), response.text
    return response.json()
