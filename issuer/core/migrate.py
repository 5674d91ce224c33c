"""Alembic migrations, driven from code: no ``alembic.ini`` is needed.

``upgrade(url)`` brings a database to the latest revision; ``current_revision(url)``
reports where it is. The scripts live in ``issuer/migrations`` so they ship with the package.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine

__all__ = [
    "SCRIPT_LOCATION",
    "alembic_config",
    "current_revision",
    "current_revision_of",
    "head_revision",
    "upgrade",
]

SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` built in code."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # ConfigParser treats "%" as interpolation; URLs may contain escaped characters.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (default: the latest).

    A SQLite file is switched to write-ahead logging first: readers then never block the
    writer nor the writer the readers (the rollback journal made writers poll while any
    reader held the file). The mode is stored in the file, so it is set once, here, and
    commands that only read never write to a database they were pointed at.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        finally:
            engine.dispose()
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str:
    """The latest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision_of(engine: Engine) -> str | None:
    """The revision the database behind ``engine`` is at, ``None`` if never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at, ``None`` if never migrated."""
    engine = create_engine(url)
    try:
        return current_revision_of(engine)
    finally:
        engine.dispose()
