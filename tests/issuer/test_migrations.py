from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from issuer.app import create_app
from issuer.core import migrate
from issuer.core.db import current_revision, make_engine, require_migrated, upgrade
from issuer.core.errors import DatabaseNotMigrated
from issuer.core.settings import Settings

pytestmark = pytest.mark.db


def test_upgrade_on_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == migrate.head_revision()
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables
        require_migrated(engine)
    finally:
        engine.dispose()


def test_migration_matches_the_models(engine: Engine) -> None:
    """The hand-written migration creates exactly what the models declare."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_app_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, env="test", home=tmp_path)  # type: ignore[call-arg]
    with pytest.raises(DatabaseNotMigrated) as info:
        create_app(settings)
    assert "creditbank db upgrade" in str(info.value)
    assert info.value.code == "database_not_migrated"


def test_foreign_keys_are_enforced_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    command.downgrade(migrate.alembic_config(url), "base")
    assert current_revision(url) is None
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(url)
    assert current_revision(url) == migrate.head_revision()
