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
