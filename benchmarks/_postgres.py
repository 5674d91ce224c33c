"""The PostgreSQL server the benchmarks may use, and throwaway databases on it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

__all__ = ["server_url", "temporary_database"]


def server_url() -> str | None:
    """``CREDITBANK_BENCH_PG_URL`` when that server answers, else ``None`` (SQLite only)."""
    url = os.environ.get("CREDITBANK_BENCH_PG_URL")
    if not url:
        return None
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:  # no server: the benchmark runs on SQLite
        return None
    return url


@contextmanager
def temporary_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server`` (its URL), dropped when the block ends."""
    name = f"creditbank_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
