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
