"""Seconds for ``creditbank ledger verify`` over 1,000,000 real hash-chained entries.

The rows are computed in Python with real chain hashes (the same canonical form the
ledger hashes) and bulk-loaded: ``executemany`` on SQLite, ``COPY`` on PostgreSQL. The
baseline streams the same rows in the same order without hashing, so the ratio shows
what hashing and checking add to merely reading the ledger.

SQLite always; PostgreSQL too when ``db_url`` (a server URL such as
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) or ``CREDITBANK_BENCH_PG_URL`` is
given: a scratch database is created there and dropped afterwards.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from issuer.bank.ledger_check import HEADS_FROM_CHAINS_SQL, _canonical, _cursor, _query, verify_all
from issuer.core import migrate
from issuer.core.db import make_engine

TARGET_SECONDS = 10.0
PER_LEARNER = 100
_START = datetime(2025, 1, 1, tzinfo=UTC)


def _rows(entries: int) -> Iterator[tuple[Any, ...]]:
    """(id, learner_id, seq, kind, half, achievement_id, domain, standard, rule,
    explanation, created_at, prev_hash, hash) with real chain hashes."""
    sha256 = hashlib.sha256
    cache: dict[tuple[str, ...], str] = {}
    prev = "0" * 64
    for index in range(entries):
        learner, seq = divmod(index, PER_LEARNER)
        if seq == 0:
            prev = "0" * 64
        created = _START + timedelta(seconds=index, microseconds=index % 1_000_000)
        row = (
            index + 1,
            learner + 1,
            seq + 1,
            "deposit",
            2 + index % 7,
            None,
            "AM",
            "AM-VOC@1",
            "robot-ops",
            "工业机器人系统运维员职业技能等级证书：按AM-VOC@1规则robot-ops认定4学分",
            created,
        )
        digest = sha256(_canonical((*row, prev, ""), cache)).hexdigest()
        yield (*row, prev, digest)
        prev = digest


def _learners(entries: int) -> list[tuple[Any, ...]]:
    count = -(-entries // PER_LEARNER)
    return [(n, f"学员{n}", f"{n:064x}", "4101**********0000", _START) for n in range(1, count + 1)]


_LEARNER_SQL = (
    "INSERT INTO learner (id, name, national_id_hmac, national_id_masked, created_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
_ENTRY_COLUMNS = (
    "id, learner_id, seq, kind, half_credits, achievement_id, domain, standard, rule, "
    "explanation, created_at, prev_hash, hash"
)


def _sqlite_stamp(value: datetime) -> str:
    # The form SQLAlchemy stores a UTC DateTime in on SQLite.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _load_sqlite(path: Path, entries: int) -> None:
    connection = sqlite3.connect(path)
    # A scratch file: no journal and no fsync while loading.
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    try:
        learners = [(*r[:4], _sqlite_stamp(r[4])) for r in _learners(entries)]
        connection.executemany(_LEARNER_SQL, learners)
        connection.executemany(
            f"INSERT INTO ledger_entry ({_ENTRY_COLUMNS}) VALUES ({', '.join('?' * 13)})",
            ((*r[:10], _sqlite_stamp(r[10]), r[11], r[12]) for r in _rows(entries)),
        )
        connection.execute(HEADS_FROM_CHAINS_SQL)
        connection.commit()
    finally:
        connection.close()


def _load_postgres(engine: Engine, entries: int) -> None:
    with engine.begin() as connection:
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(
                "COPY learner (id, name, national_id_hmac, national_id_masked, created_at) "
                "FROM STDIN"
            ) as copy:
                for learner in _learners(entries):
                    copy.write_row(learner)
            with cursor.copy(f"COPY ledger_entry ({_ENTRY_COLUMNS}) FROM STDIN") as copy:
                for row in _rows(entries):
                    copy.write_row(row)
            cursor.execute(HEADS_FROM_CHAINS_SQL)


def _stream_only(engine: Engine) -> float:
    """The baseline: read every row in chain order, no hashing."""
    started = time.perf_counter()
    with engine.connect() as connection:
        cursor = _cursor(connection, engine.dialect.name)
        try:
            cursor.execute(_query(engine.dialect.name))
            while cursor.fetchmany(20_000):
                pass
        finally:
            cursor.close()
    return time.perf_counter() - started


def _measure(engine: Engine, entries: int, prefix: str) -> dict[str, Any]:
    baseline = _stream_only(engine)
    report = verify_all(engine)
    assert report.entries == entries
    return {
        f"{prefix}_verify_seconds": round(report.seconds, 2),
        f"{prefix}_verify_entries_per_second": round(entries / report.seconds),
        f"{prefix}_stream_only_seconds": round(baseline, 2),
        f"{prefix}_verify_to_stream_ratio": round(report.seconds / baseline, 2),
        f"{prefix}_meets_target": report.seconds <= TARGET_SECONDS,
    }


def _sqlite(entries: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        started = time.perf_counter()
        _load_sqlite(path, entries)
        load = time.perf_counter() - started
        engine = make_engine(url)
        try:
            return {"sqlite_load_seconds": round(load, 2), **_measure(engine, entries, "sqlite")}
        finally:
            engine.dispose()


def _postgres(server_url: str, entries: int) -> dict[str, Any]:
    name = f"creditbank_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            started = time.perf_counter()
            _load_postgres(engine, entries)
            with engine.begin() as connection:
                connection.execute(text("ANALYZE ledger_entry"))
            load = time.perf_counter() - started
            return {
                "postgres_load_seconds": round(load, 2),
                **_measure(engine, entries, "postgres"),
            }
        finally:
            engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(db_url: str | None = None, entries: int = 1_000_000) -> dict[str, Any]:
    """Verify seconds on SQLite, and on PostgreSQL when a server URL is known."""
    result: dict[str, Any] = {"ledger_entries": entries, "verify_target_seconds": TARGET_SECONDS}
    result.update(_sqlite(entries))
    server = db_url or os.environ.get("CREDITBANK_BENCH_PG_URL")
    if server:
        result.update(_postgres(server, entries))
    return result


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else None), indent=2))
