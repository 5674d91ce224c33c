"""The embedded SQLite default: write-ahead log, and writers that queue for the write lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from issuer.core.db import make_engine
from issuer.core.migrate import upgrade


def test_a_migrated_file_is_in_write_ahead_log_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cb.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


def test_a_second_writer_waits_its_turn_instead_of_giving_up(tmp_path: Path) -> None:
    """With a busy timeout of 20 ms, SQLite alone refuses a writer that arrives while
    another holds the lock for 400 ms ("database is locked"); queued, it waits and writes."""
    url = f"sqlite:///{tmp_path / 'cb.db'}"
    upgrade(url)
    first = make_engine(url)
    second = make_engine(url, connect_args={"check_same_thread": False, "timeout": 0.02})
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    holding = threading.Event()

    def hold_the_lock() -> None:
        with first.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            time.sleep(0.4)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert holding.wait(10)
    with second.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (2)"))
    holder.join()
    with first.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]
    first.dispose()
    second.dispose()


def test_without_the_queue_the_same_writer_is_refused(tmp_path: Path) -> None:
    """The control of the test above: the same race on plain engines fails, so the queue
    is what lets the second writer through."""
    url = f"sqlite:///{tmp_path / 'cb.db'}"
    upgrade(url)
    first = create_engine(url)
    second = create_engine(url, connect_args={"timeout": 0.02})
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    holding, done = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with first.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            done.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert holding.wait(10)
    try:
        with (
            pytest.raises(OperationalError, match="database is locked"),
            second.begin() as connection,
        ):
            connection.execute(text("INSERT INTO t VALUES (2)"))
    finally:
        done.set()
        holder.join()
    first.dispose()
    second.dispose()
