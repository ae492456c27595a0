"""A catalog that does not answer (SQLite locked by another process past its busy timeout, a
PostgreSQL server gone) is ``BackendUnavailable``: a 503 a client may retry, not a 500."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from mediasift.catalog.db import Catalog
from mediasift.errors import BackendUnavailable


def test_a_locked_catalog_is_unavailable_not_an_internal_error(tmp_path: Path) -> None:
    Catalog(f"sqlite:///{tmp_path / 'catalog.db'}").migrate()
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}", busy_timeout_s=0.2)
    other = sqlite3.connect(tmp_path / "catalog.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process mid-write, for longer than a writer waits
    try:
        with (
            pytest.raises(BackendUnavailable, match="catalog unavailable: database is locked"),
            catalog.session() as s,
        ):
            s.execute(text("UPDATE tenant SET id = id"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    with catalog.session() as s:  # the lock gone, the same catalog writes again
        s.execute(text("UPDATE tenant SET id = id"))
    catalog.close()


def test_after_a_refused_write_the_catalog_is_not_ok_until_it_takes_writes_again(tmp_path: Path) -> None:
    # /health and /ready ask ``ping``: reads alone answered while another process held the write
    # lock, so the catalog showed "ok" while every upload was a 503.
    Catalog(f"sqlite:///{tmp_path / 'catalog.db'}").migrate()
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}", busy_timeout_s=0.2)
    catalog.ping()
    other = sqlite3.connect(tmp_path / "catalog.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holding the write lock; reads go on
    try:
        catalog.ping()  # no write refused yet: nothing says the lock is held for long
        with pytest.raises(BackendUnavailable), catalog.session() as s:
            s.execute(text("UPDATE tenant SET id = id"))
        with pytest.raises(BackendUnavailable, match="catalog refuses writes: database is locked"):
            catalog.ping()
    finally:
        other.execute("ROLLBACK")
        other.close()
    catalog.ping()  # the lock gone: writes are taken again, and ping says so
    with catalog.session() as s:
        s.execute(text("UPDATE tenant SET id = id"))
    catalog.close()


def test_a_catalog_server_that_does_not_answer_is_one_line_naming_where_it_was_looked_for(
    tmp_path: Path,
) -> None:
    """A PostgreSQL URL whose port nothing listens on ended every command on a 500-line traceback."""
    import subprocess
    import sys

    url = "postgresql+psycopg://postgres:secret@127.0.0.1:9/nodb"  # port 9: nothing listens
    with pytest.raises(BackendUnavailable, match="catalog unavailable") as refused:
        Catalog(url).migrate()
    assert "127.0.0.1:9/nodb" in refused.value.message and "secret" not in refused.value.message
    assert "MEDIASIFT_CATALOG_URL" in refused.value.message
    env = {"MEDIASIFT_HOME": str(tmp_path / "home"), "MEDIASIFT_CATALOG_URL": url, "PATH": "/usr/bin:/bin"}
    ran = subprocess.run([sys.executable, "-m", "mediasift", "jobs"], capture_output=True, text=True, env=env)
    assert ran.returncode == 2 and len(ran.stderr.strip().splitlines()) == 1, ran.stderr
