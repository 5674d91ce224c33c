"""The pieces that keep concurrent writers correct, one at a time.

The bursts themselves run against a real multi-worker server in tests/concurrency/; here:
the bounded rerun of aborted transactions (and ``database_busy`` when it gives up), the
409 ``request_in_progress`` of an idempotent request that loses the race at the unique
key, the database's own "one open case per subject", and ``serve --workers``.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from issuer.api import problems
from issuer.api.idempotency import run
from issuer.api.retry import ATTEMPTS, RetryMiddleware
from issuer.cli import run as cli_run
from issuer.core.db import is_retryable, make_engine
from issuer.core.errors import RequestInProgress
from issuer.models import CommitteeCase, IdempotencyRecord, Panel, utcnow
from issuer.models.committee import MemberPublic
from tests.issuer.factories import problem


class _Deadlock(Exception):
    """What psycopg raises for a deadlock: an error carrying SQLSTATE 40P01."""

    sqlstate = "40P01"


def _aborted() -> OperationalError:
    return OperationalError("UPDATE learner …", {}, _Deadlock("deadlock detected"))


def _app(fail_times: int) -> tuple[FastAPI, list[bytes]]:
    app = FastAPI()
    problems.install(app)
    app.add_middleware(RetryMiddleware)
    bodies: list[bytes] = []

    @app.post("/work")
    async def work(payload: dict[str, Any]) -> dict[str, Any]:
        bodies.append(repr(payload).encode())
        if len(bodies) <= fail_times:
            raise _aborted()
        return {"attempt": len(bodies), **payload}

    return app, bodies


def test_an_aborted_transaction_is_run_again_with_the_same_body() -> None:
    app, bodies = _app(fail_times=2)
    with TestClient(app) as client:
        response = client.post("/work", json={"n": 7})
    assert response.status_code == 200, response.text
    assert response.json() == {"attempt": 3, "n": 7}
    assert len(set(bodies)) == 1 and len(bodies) == 3


def test_database_busy_after_the_last_attempt() -> None:
    app, bodies = _app(fail_times=ATTEMPTS)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/work", json={"n": 1})
    problem(response, 503, "database_busy")
    assert response.headers["retry-after"] == "1"
    assert len(bodies) == ATTEMPTS


def test_other_errors_are_not_run_again() -> None:
    app = FastAPI()
    problems.install(app)
    app.add_middleware(RetryMiddleware)
    calls: list[int] = []

    @app.get("/boom")
    async def boom() -> None:
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    with TestClient(app, raise_server_exceptions=False) as client:
        problem(client.get("/boom"), 500, "internal_error")
    assert calls == [1]


def test_what_counts_as_retryable() -> None:
    assert is_retryable(_aborted())
    locked = OperationalError("INSERT …", {}, Exception("database is locked"))
    assert is_retryable(locked)
    assert not is_retryable(IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed")))
    assert not is_retryable(ValueError("deadlock detected"))


@pytest.mark.db
def test_request_in_progress_when_a_concurrent_request_stored_the_key(engine: Engine) -> None:
    """The loser at the unique key: its work is rolled back and it answers 409."""
    scope, key = "test POST /race", "race-1"

    def produce_while_another_request_stores_the_key() -> MemberPublic:
        session.add(IdempotencyRecord(scope=scope, key=key, request_hash="x" * 64, response={}))
        now = utcnow()
        return MemberPublic(
            id=1,
            name="n",
            category="education",
            affiliation_institution_id=None,
            affiliation=None,
            created_at=now,
        )

    with Session(engine) as session:
        with pytest.raises(RequestInProgress) as info:
            run(
                session,
                key=key,
                scope=scope,
                request={"a": 1},
                model=MemberPublic,
                produce=produce_while_another_request_stores_the_key,
            )
        session.rollback()
    assert info.value.code == "request_in_progress" and info.value.status == 409


@pytest.mark.db
def test_the_database_holds_one_open_case_per_subject(engine: Engine) -> None:
    now = utcnow()
    with Session(engine) as session:
        panel = Panel(name="p", purpose="review")
        session.add(panel)
        session.flush()
        assert panel.id is not None

        def case(status: str) -> CommitteeCase:
            return CommitteeCase(
                panel_id=panel.id,
                kind="review",
                subject="recognition:unique-test",
                status=status,
                due_at=now,
            )

        session.add_all([case("approve"), case("reject"), case("open")])
        session.flush()  # decided cases on the subject do not count
        session.add(case("open"))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


@pytest.mark.db
def test_a_killed_pooled_connection_is_replaced(db_url: str) -> None:
    """A connection the server killed (restart, pg_terminate_backend) fails no request."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to kill connections")
    engine = make_engine(db_url, pool_size=1, max_overflow=0)
    killer = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with killer.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with engine.connect() as connection:  # the pooled one is dead: a new one is made
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()
        killer.dispose()


@pytest.mark.parametrize("workers", ["0", "-2", "many"])
def test_serve_refuses_a_bad_worker_count(workers: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli_run(["serve", "--workers", workers])
    assert info.value.code == 2
    assert "--workers" in capsys.readouterr().err
