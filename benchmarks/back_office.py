"""Seconds for the back office's statistics and searches over a province-sized month.

A scratch SQLite database is migrated and bulk-loaded (SQLAlchemy Core ``executemany``)
with 50 institutions, 20,000 learners, 100,000 achievements each with its deposit and
recognition, 20,000 credentials and 2,000 transfers, spread over twelve months; and
100,000 audit events.

- ``statistics``: :func:`issuer.bank.statistics.compute` for all groups and months,
  against the baseline of merely reading the same columns (no tally), so the ratio shows
  what the month and group bookkeeping adds to the reading.
- ``learner_search``: ``find_learners`` by a part of the name (a LIKE scan) and by the
  ID's HMAC (an index lookup), one page of 50.
- ``audit_filter``: one page of the trail filtered by action family and a month.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session, SQLModel

from issuer.bank import directory, statistics
from issuer.core import audit, migrate
from issuer.core.db import make_engine

TARGET_STATISTICS_SECONDS = 5.0
INSTITUTIONS, LEARNERS, ACHIEVEMENTS, CREDENTIALS, TRANSFERS, EVENTS = (
    50,
    20_000,
    100_000,
    20_000,
    2_000,
    100_000,
)
_START = datetime(2026, 1, 1, tzinfo=UTC)
_ZERO = "0" * 64


def _at(index: int, count: int) -> datetime:
    return _START + timedelta(seconds=index * (365 * 86400 // count))


def _rows() -> dict[str, list[dict[str, Any]]]:
    kinds = ("course", "vocational_cert", "training", "work_experience", "award")
    domains = ("AM", "AI", "AG", "GE")
    rows: dict[str, list[dict[str, Any]]] = {
        "institution": [
            {
                "id": i,
                "code": f"B{i:03d}",
                "name_zh": f"基准学校{i}",
                "name_en": f"Bench school {i}",
                "kind": "vocational_school",
                "api_key_hash": f"{i:064x}",
                "created_at": _START,
            }
            for i in range(1, INSTITUTIONS + 1)
        ],
        "learner": [
            {
                "id": n,
                "name": f"学员{n}",
                "national_id_hmac": f"{n:064x}",
                "national_id_masked": f"4101**********{n % 10000:04d}",
                "created_at": _at(n, LEARNERS),
                "opened_by_institution_id": None if n % 3 == 0 else 1 + n % INSTITUTIONS,
            }
            for n in range(1, LEARNERS + 1)
        ],
        "status_list": [{"id": "bench", "size": 131072, "next_seq": 0, "created_at": _START}],
    }
    rows["achievement"], rows["ledger_entry"], rows["recognition"] = [], [], []
    for a in range(1, ACHIEVEMENTS + 1):
        learner, kind, domain, at = (
            1 + a % LEARNERS,
            kinds[a % 5],
            domains[a % 4],
            _at(a, ACHIEVEMENTS),
        )
        rows["achievement"].append(
            {
                "id": a,
                "learner_id": learner,
                "institution_id": 1 + a % INSTITUTIONS,
                "kind": kind,
                "title": "基准成果",
                "domain": domain,
                "completed_on": date(2025, 6, 30),
                "evidence": {},
                "created_at": at,
            }
        )
        common = {"learner_id": learner, "half_credits": 2 + a % 7, "domain": domain}
        rows["ledger_entry"].append(
            {
                "id": a,
                "seq": 1 + a // LEARNERS,
                "kind": "deposit",
                "achievement_id": a,
                "standard": "AM-VOC@1",
                "rule": "bench",
                "explanation": "基准",
                "created_at": at,
                "prev_hash": _ZERO,
                "hash": _ZERO,
                **common,
            }
        )
        rows["recognition"].append(
            {
                "achievement_id": a,
                "status": "recognised",
                "kind": kind,
                "source": "bench",
                "year": 2025,
                "standard": "AM-VOC@1",
                "rule": "bench",
                "explanation_zh": "基准",
                "explanation_en": "bench",
                "caps_applied": [],
                "created_at": at,
                "decided_at": at + timedelta(hours=30) if kind == "work_experience" else at,
                "decided_by": "committee" if kind == "work_experience" else "engine",
                **common,
            }
        )
    rows["credential"] = [
        {
            "jti": f"bench-{c}",
            "format": ("cbqr", "ob3+jwt", "clr+jwt", "dc+sd-jwt")[c % 4],
            "learner_id": 1 + c % LEARNERS,
            "token": "x",
            "status_list_id": "bench",
            "status_index": c,
            "status": "active",
            "issued_at": _at(c, CREDENTIALS),
        }
        for c in range(CREDENTIALS)
    ]
    rows["transfer"] = [
        {
            "institution_id": 1 + t % INSTITUTIONS,
            "learner_id": 1 + t % LEARNERS,
            "policy": "bench",
            "half_credits": 8,
            "created_at": _at(t, TRANSFERS),
        }
        for t in range(TRANSFERS)
    ]
    rows["audit_event"] = [
        {
            "at": _at(e, EVENTS),
            "actor": f"institution:B{1 + e % INSTITUTIONS:03d}",
            "action": ("credential.issue", "learner.create", "transfer.record")[e % 3],
            "subject": f"learner:{1 + e % LEARNERS}",
            "payload_hash": _ZERO,
            "summary": "bench",
        }
        for e in range(EVENTS)
    ]
    return rows


def _best(fn: Callable[[], object], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


_READ_ONLY = (
    "SELECT id, opened_by_institution_id, created_at FROM learner",
    "SELECT l.domain, a.kind, l.half_credits, l.created_at, a.institution_id FROM ledger_entry l "
    "JOIN achievement a ON a.id = l.achievement_id WHERE l.kind = 'deposit'",
    "SELECT r.status, r.created_at, r.decided_at, r.decided_by, a.institution_id "
    "FROM recognition r JOIN achievement a ON a.id = r.achievement_id",
    "SELECT learner_id, format, issued_at FROM credential",
    "SELECT institution_id, half_credits, created_at FROM transfer",
    "SELECT learner_id, half_credits, created_at FROM redemption",
)


def run() -> dict[str, Any]:
    """Statistics, search and audit-filter seconds on a scratch SQLite database."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            started = time.perf_counter()
            with engine.begin() as connection:
                for table, rows in _rows().items():
                    connection.execute(insert(SQLModel.metadata.tables[table]), rows)
            load = time.perf_counter() - started
            with Session(engine) as session:
                names = statistics.groups(session)
                figures = statistics.compute(session, statistics.Period(), names=names)
                assert sum(r.count for r in figures.rows if r.metric == "deposits") == ACHIEVEMENTS
                ours = _best(lambda: statistics.compute(session, statistics.Period(), names=names))

                def read_only() -> None:
                    for sql in _READ_ONLY:
                        session.execute(text(sql)).all()

                baseline = _best(read_only)
                by_name = _best(
                    lambda: directory.find_learners(
                        session, directory.LearnerQuery(name="学员1999"), limit=50, offset=0
                    )
                )
                by_hmac = _best(
                    lambda: directory.find_learners(
                        session, directory.LearnerQuery(id_hmac=f"{777:064x}"), limit=50, offset=0
                    )
                )
                where = audit.AuditFilter(
                    action="credential.",
                    since=datetime(2026, 6, 1, tzinfo=UTC),
                    until=datetime(2026, 7, 1, tzinfo=UTC),
                )
                audit_page = _best(
                    lambda: audit.list_events(session, where=where, limit=50, offset=0)
                )
        finally:
            engine.dispose()
    return {
        "back_office_load_seconds": round(load, 1),
        "statistics_rows_read": LEARNERS + 2 * ACHIEVEMENTS + CREDENTIALS + TRANSFERS,
        "statistics_seconds": round(ours, 3),
        "statistics_read_only_seconds": round(baseline, 3),
        "statistics_to_read_ratio": round(ours / baseline, 2),
        "statistics_target_seconds": TARGET_STATISTICS_SECONDS,
        "statistics_meets_target": ours <= TARGET_STATISTICS_SECONDS,
        "learner_search_by_name_seconds": round(by_name, 4),
        "learner_search_by_hmac_seconds": round(by_hmac, 4),
        "audit_filtered_page_seconds": round(audit_page, 4),
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
