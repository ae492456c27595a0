"""The migrations and the ORM models describe one schema: after migrating, Alembic's comparison finds
no table, column, index or type that one side has and the other lacks; and a new embedded catalog,
created from the models at head without Alembic, is the catalog the migrations make."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mediasift.catalog.db import Catalog, _create_at_head, upgrade
from mediasift.catalog.models import Base
from tests.scale.test_postgres import sqlalchemy_url


def schema_differences(url: str) -> list[object]:
    catalog = Catalog(url)
    try:
        upgrade(catalog.engine)  # the migrations themselves, also where migrate() would create
        with catalog.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        catalog.close()


def test_migrated_sqlite_schema_matches_the_models(tmp_path: Path):
    assert schema_differences(f"sqlite:///{tmp_path / 'catalog.db'}") == []


@pytest.mark.postgres
def test_migrated_postgres_schema_matches_the_models(make_database):  # type: ignore[no-untyped-def]
    assert schema_differences(sqlalchemy_url(make_database())) == []


def sentence_vectors_round_trip(url: str) -> None:
    """0015 adds ``segment.sentence_vectors``, its downgrade removes it, and upgrading again
    restores it: both directions run on a database at head."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from mediasift.catalog.db import _MIGRATIONS

    catalog = Catalog(url)
    try:
        catalog.migrate()
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))

        def columns() -> set[str]:
            return {c["name"] for c in inspect(catalog.engine).get_columns("segment")}

        assert "sentence_vectors" in columns()
        with catalog.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0014_products")
        assert "sentence_vectors" not in columns()
        catalog.migrate()
        assert "sentence_vectors" in columns()
    finally:
        catalog.close()


def test_sentence_vectors_migrate_up_and_down_on_sqlite(tmp_path: Path):
    sentence_vectors_round_trip(f"sqlite:///{tmp_path / 'catalog.db'}")


@pytest.mark.postgres
def test_sentence_vectors_migrate_up_and_down_on_postgres(make_database):  # type: ignore[no-untyped-def]
    sentence_vectors_round_trip(sqlalchemy_url(make_database()))


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from mediasift.catalog.db import _MIGRATIONS, head_revision

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()


AT_HEAD = """
import sys
from mediasift.catalog.db import Catalog
catalog = Catalog(sys.argv[1])
catalog.migrate()
print("alembic" in sys.modules)
"""


def sqlite_schema(path: Path) -> dict[str, object]:
    """Each table's columns (by name: a migration appends the columns it adds), indexes with their
    SQL, foreign keys and rows, as SQLite itself describes them."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        described: dict[str, object] = {}
        for table in tables:
            indexes = []
            for _, name, unique, origin, partial in db.execute(f"PRAGMA index_list('{table}')"):
                columns = [column for _, _, column in db.execute(f"PRAGMA index_info('{name}')")]
                (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone() or (
                    None,
                )
                named = None if name.startswith("sqlite_autoindex") else name
                indexes.append((named, unique, origin, partial, columns, sql))
            described[table] = (
                sorted(row[1:] for row in db.execute(f"PRAGMA table_info('{table}')")),
                sorted(indexes, key=repr),
                sorted(row[2:] for row in db.execute(f"PRAGMA foreign_key_list('{table}')")),
                sorted(db.execute(f"SELECT * FROM '{table}'").fetchall(), key=repr),
            )
        return described
    finally:
        db.close()


def test_a_new_sqlite_catalog_is_created_as_the_migrations_make_it(tmp_path: Path) -> None:
    migrated, created = (
        Catalog(f"sqlite:///{tmp_path / 'migrated.db'}"),
        Catalog(f"sqlite:///{tmp_path / 'new.db'}"),
    )
    try:
        upgrade(migrated.engine)
        assert _create_at_head(created.engine)  # made from the models, not through the migrations
    finally:
        migrated.close()
        created.close()
    expected = sqlite_schema(tmp_path / "migrated.db")
    assert "alembic_version" in expected and len(expected) > 20
    assert sqlite_schema(tmp_path / "new.db") == expected


def test_a_catalog_at_head_opens_without_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    command = [sys.executable, "-c", AT_HEAD, url]
    runs = [subprocess.run(command, capture_output=True, text=True) for _ in "ab"]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr[-2000:] + runs[1].stderr[-2000:]
    # the new catalog was created at head, and the second start found it there: neither ran Alembic
    assert [r.stdout.strip() for r in runs] == ["False", "False"]


def test_processes_creating_one_new_catalog_together_all_open_it(tmp_path: Path) -> None:
    """An API and its workers start at once on a new home: one creates the catalog, the others
    wait for its write lock, find the tables and open them at head."""
    import subprocess
    import sys

    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    starts = [
        subprocess.Popen([sys.executable, "-c", AT_HEAD, url], stderr=subprocess.PIPE) for _ in range(3)
    ]
    errors = [start.communicate(timeout=120)[1] for start in starts]
    assert [start.returncode for start in starts] == [0, 0, 0], b"".join(errors)[-2000:]
    catalog = Catalog(url)
    try:
        with catalog.engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        catalog.close()
    from mediasift.catalog.db import head_revision

    assert versions == [head_revision()]
