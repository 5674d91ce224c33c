"""HTTP writes on the embedded SQLite default: the tail against the median.

A real ``creditbank serve --workers 4`` on a SQLite file; 8 client threads each deposit
courses into an account of their own (one write transaction per request). Reported: p50
and p99 of the deposits and their ratio (target ≤ 10: writers queue for SQLite's one
write lock instead of polling for it while readers hold the file).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks.http_deposits import load, open_accounts
from tests.concurrency.server import running_server

CONCURRENCY = 8
TARGET = 10.0


def run() -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp), "sqlite", workers=4) as server,
    ):
        deposits = load(server, open_accounts(server, CONCURRENCY), CONCURRENCY)
    return {
        "sqlite_writes_backend": f"sqlite, 4 workers, concurrency {CONCURRENCY}",
        "sqlite_writes_per_second": deposits["rps"],
        "sqlite_writes_p50_ms": deposits["p50_ms"],
        "sqlite_writes_p99_ms": deposits["p99_ms"],
        "sqlite_writes_p99_to_p50_ratio": round(deposits["p99_ms"] / deposits["p50_ms"], 2),
        "sqlite_writes_p99_to_p50_ratio_target": TARGET,
    }
