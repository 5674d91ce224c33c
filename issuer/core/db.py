"""Database engine, sessions and the migration gate of the creditbank issuer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from issuer.core import migrate, sqlite_writers
from issuer.core.errors import DatabaseNotMigrated, DatabaseUnreachable
from issuer.core.migrate import current_revision, upgrade

__all__ = [
    "current_revision",
    "is_retryable",
    "lock_key",
    "make_engine",
    "require_migrated",
    "require_reachable",
    "session_scope",
    "upgrade",
]

#: SQLSTATEs after which the whole transaction may simply run again: PostgreSQL rolled it
#: back (``40P01`` deadlock detected, ``40001`` serialization failure).
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite connections get foreign keys and a busy timeout.

    SQL parameters are kept out of error messages and logs (``hide_parameters``): they
    hold names and national-ID hashes. ``pool_pre_ping`` tests a pooled connection before
    handing it out, so a connection the server killed (restart, idle timeout,
    ``pg_terminate_backend``) is replaced instead of failing the request that draws it.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        database = engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            sqlite_writers.queue_writers(engine, database)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless each connection asks for them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # In write-ahead-log mode (set by migrate.upgrade) the default synchronous=NORMAL may
    # lose the last commits on a power loss; FULL keeps them, as the rollback journal did.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def require_reachable(engine: Engine) -> None:
    """Raise :class:`DatabaseUnreachable`, naming the server and the fix, unless it answers."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnreachable(
            f"cannot connect to the database {where} ({reason}); start the database server "
            "or set CREDITBANK_DATABASE_URL to one that answers"
        ) from None


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a deadlock or serialization failure after which a rerun is safe.

    The database rolled the whole transaction back, so running the same work again
    cannot write anything twice. SQLite's "database is locked" (its busy timeout ran
    out) is the same situation.
    """
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


def lock_key(session: Session, name: str) -> None:
    """Serialise transactions that use the same ``name`` until this one ends.

    PostgreSQL takes a transaction-scoped advisory lock on a 64-bit hash of ``name``;
    SQLite takes the database write lock (a no-op write), which serialises every writer.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 0"))
    else:
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name}
        )


def require_migrated(engine: Engine) -> None:
    """Raise :class:`DatabaseUnreachable` unless the database answers, and
    :class:`DatabaseNotMigrated` unless it is at the latest revision."""
    require_reachable(engine)
    current = migrate.current_revision_of(engine)
    head = migrate.head_revision()
    if current != head:
        raise DatabaseNotMigrated(
            f"the database is at revision {current or 'none'}, the code needs {head}; "
            "run `creditbank db upgrade` first"
        )


def session_scope(engine: Engine) -> Iterator[Session]:
    """One session and one transaction: committed on success, rolled back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
