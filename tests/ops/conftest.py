"""Fixtures for the operations and security tests: an API with keys, and key helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mediasift.models.registry import ModelRegistry
from mediasift.runtime import Runtime, open_runtime
from mediasift.services import auth
from tests.conftest import test_settings


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def make_runtime(tmp_path: Path, models: ModelRegistry) -> Iterator:
    """Open runtimes with extra settings; all are closed after the test."""
    opened: list[Runtime] = []

    def make(**overrides) -> Runtime:  # type: ignore[no-untyped-def]
        rt = open_runtime(test_settings(tmp_path / f"home{len(opened)}", **overrides))
        rt.models = models
        opened.append(rt)
        return rt

    yield make
    for rt in opened:
        rt.close()


@pytest.fixture
def client_for() -> Iterator:
    """A TestClient for a runtime, optionally with worker threads."""
    from mediasift.api.app import create_app
    from mediasift.worker.loop import start_worker_threads

    clients: list[TestClient] = []
    pools: list = []

    def make(rt: Runtime, workers: int = 0) -> TestClient:
        if workers:
            pools.extend(start_worker_threads(rt, workers))
        client = TestClient(create_app(rt))
        clients.append(client)
        return client

    yield make
    for w in pools:
        w.stop()
    for c in clients:
        c.close()


def new_key(rt: Runtime, tenant: str, scopes: str) -> str:
    return auth.create_key(rt.catalog, rt.settings, tenant, scopes).secret


from tests.aws_fixtures import *  # noqa: E402, F403  (moto S3/SQS/SNS server for the SNS test)
