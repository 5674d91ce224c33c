"""Bytes the database needs per deposited achievement and per credential, on PostgreSQL.

A new database on the server of ``CREDITBANK_BENCH_PG_URL`` (skipped without one): the
real app, in-process, opens ``LEARNERS`` accounts at one institution (with the audit
event each opening writes), deposits
``COURSES`` courses into each through ``POST /learners/{id}/courses``, then issues one QR
credential per account over its courses. The sizes of every table with its indexes and
TOAST (``pg_total_relation_size``) are read after each step (``VACUUM ANALYZE`` first);
the growth divided by the rows added is what one more account, achievement or
credential costs.
docs/operations.md extrapolates from these figures.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from benchmarks._postgres import server_url, temporary_database
from issuer.app import create_app
from issuer.core import migrate
from issuer.core.settings import Settings
from tests.issuer.factories import course, create_institution, create_learner

LEARNERS = 200
COURSES = 5
ADMIN = "bench-admin-token"


def _size(url: str) -> int:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
        total = connection.execute(
            text(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = 'public'"
            )
        ).scalar_one()
    engine.dispose()
    return int(total)


def run() -> dict[str, Any]:
    server = server_url()
    if server is None:
        return {"storage_skipped": "no PostgreSQL server (CREDITBANK_BENCH_PG_URL)"}
    with temporary_database(server) as url:
        migrate.upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                env="test",
                home=Path(tmp),
                database_url=url,
                admin_token=ADMIN,  # type: ignore[arg-type]
            )
            app = create_app(settings)
            admin = {"Authorization": f"Bearer {ADMIN}"}
            with TestClient(app) as client:
                inst = create_institution(client, admin)
                before = _size(url)
                learners = [create_learner(client, inst["headers"]) for _ in range(LEARNERS)]
                empty = _size(url)
                entries: dict[int, list[int]] = {}
                for learner in learners:
                    for n in range(COURSES):
                        body = course(
                            title=f"容量课程 {n}", external_ref=f"CAP-{learner['id']}-{n}"
                        )
                        response = client.post(
                            f"/learners/{learner['id']}/courses", json=body, headers=inst["headers"]
                        )
                        assert response.status_code == 201, response.text
                        entries.setdefault(learner["id"], []).append(response.json()["entry"]["id"])
                deposited = _size(url)
                for learner_id, ids in entries.items():
                    response = client.post(
                        f"/learners/{learner_id}/credentials",
                        json={"entry_ids": ids},
                        headers=admin,
                    )
                    assert response.status_code == 201, response.text
                issued = _size(url)
            app.state.engine.dispose()
    achievements = LEARNERS * COURSES
    return {
        "storage_achievements": achievements,
        "storage_credentials": LEARNERS,
        "storage_bytes_per_learner": round((empty - before) / LEARNERS),
        "storage_bytes_per_achievement": round((deposited - empty) / achievements),
        "storage_bytes_per_credential": round((issued - deposited) / LEARNERS),
    }
