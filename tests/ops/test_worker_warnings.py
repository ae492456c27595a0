"""A `mediasift worker` that can only index where no other process searches says so at start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pg_fixtures import make_database, pg_url  # noqa: F401  (fixtures)


def test_a_worker_on_the_embedded_index_beside_a_shared_catalog_warns(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The API beside it (on pgvector) found none of the media it indexed, and it had said nothing."""
    env = {
        **os.environ,
        "MEDIASIFT_HOME": str(tmp_path / "home"),
        # psycopg 3's dialect, as SQLAlchemy spells it
        "MEDIASIFT_CATALOG_URL": request.getfixturevalue("make_database")().replace(
            "postgresql://", "postgresql+psycopg://", 1
        ),
        "MEDIASIFT_WORKER_METRICS_PORT": "0",
        "MEDIASIFT_LOG_FORMAT": "console",
    }
    env.pop("MEDIASIFT_INDEX", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "mediasift", "worker", "--threads", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        said = ""
        deadline = time.monotonic() + 60
        while "thread(s)" not in said and time.monotonic() < deadline and worker.poll() is None:
            said += worker.stderr.readline()  # type: ignore[union-attr]
    finally:
        worker.terminate()
        worker.wait(30)
    assert "the catalog is shared, but the embedded index is one process's" in said, said
    assert "MEDIASIFT_INDEX=pgvector" in said
