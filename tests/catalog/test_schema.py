"""The migrations and the ORM models describe one schema: after migrating, Alembic's comparison finds
no table, column, index or type that one side has and the other lacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mediasift.catalog.db import Catalog
from mediasift.catalog.models import Base
from tests.scale.test_postgres import sqlalchemy_url


def schema_differences(url: str) -> list[object]:
    catalog = Catalog(url)
    try:
        catalog.migrate()
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


def test_a_catalog_at_head_opens_without_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    command = [sys.executable, "-c", AT_HEAD, url]
    runs = [subprocess.run(command, capture_output=True, text=True) for _ in "ab"]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr[-2000:] + runs[1].stderr[-2000:]
    # the new catalog migrated through Alembic; the second start found it at head
    assert [r.stdout.strip() for r in runs] == ["True", "False"]
