from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from issuer.bank import ledger
from issuer.core.errors import LedgerCorrupt, NotFound
from issuer.models import GENESIS_HASH
from tests.issuer.factories import course, create_learner

pytestmark = pytest.mark.db


def _deposit(session: Session, learner_id: int, half: int = 2) -> int:
    entry = ledger.append(
        session,
        learner_id=learner_id,
        kind="deposit",
        half_credits=half,
        domain="GE",
        standard="GE-HOURS@1",
        rule="theory-16h",
        explanation="测试 test",
    )
    assert entry.id is not None
    return entry.id


def test_chain_links_and_verifies(
    engine: Engine, client: TestClient, admin: dict[str, str]
) -> None:
    learner = create_learner(client, admin)
    with Session(engine) as session:
        ids = [_deposit(session, learner["id"], half) for half in (1, 2, 3)]
        session.commit()
        chain = ledger.entries(session, learner["id"])
        assert [e.id for e in chain] == ids
        assert [e.seq for e in chain] == [1, 2, 3]
        assert chain[0].prev_hash == GENESIS_HASH
        assert chain[1].prev_hash == chain[0].hash and chain[2].prev_hash == chain[1].hash
        assert ledger.totals(session, learner["id"]) == {"GE": {"deposit": 6}}
        ledger.verify_chain(session, learner["id"])


@pytest.mark.parametrize(
    ("column", "value"),
    [("half_credits", "40"), ("explanation", "'改过 edited'"), ("prev_hash", "'" + "1" * 64 + "'")],
)
def test_edit_with_plain_sql_is_detected(
    engine: Engine, client: TestClient, admin: dict[str, str], column: str, value: str
) -> None:
    learner = create_learner(client, admin)
    with Session(engine) as session:
        first, second, _third = (_deposit(session, learner["id"]) for _ in range(3))
        session.commit()
    with engine.begin() as connection:
        connection.execute(
            text(f"UPDATE ledger_entry SET {column} = {value} WHERE id = :id"), {"id": second}
        )
    with Session(engine) as session, pytest.raises(LedgerCorrupt) as info:
        ledger.verify_chain(session, learner["id"])
    assert info.value.entry_id == second
    assert f"ledger entry {second}" in str(info.value)
    assert info.value.code == "ledger_corrupt"
    assert first != second


def test_deleted_entry_is_detected(
    engine: Engine, client: TestClient, admin: dict[str, str]
) -> None:
    learner = create_learner(client, admin)
    with Session(engine) as session:
        ids = [_deposit(session, learner["id"]) for _ in range(3)]
        session.commit()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM ledger_entry WHERE id = :id"), {"id": ids[1]})
    with Session(engine) as session, pytest.raises(LedgerCorrupt) as info:
        ledger.verify_chain(session, learner["id"])
    assert info.value.entry_id == ids[2]


def test_append_to_missing_learner_is_not_found(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(NotFound):
        _deposit(session, 10**9)


def test_concurrent_appends_do_not_fork_the_chain(
    engine: Engine, client: TestClient, admin: dict[str, str]
) -> None:
    learner = create_learner(client, admin)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(5):
                with Session(engine) as session:
                    _deposit(session, learner["id"], 1)
                    session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        chain = ledger.entries(session, learner["id"])
        assert [e.seq for e in chain] == list(range(1, 26))
        ledger.verify_chain(session, learner["id"])


def test_recorded_course_chain_verifies(
    engine: Engine, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner = create_learner(client, admin)
    for hours in (16, 48):
        response = client.post(
            f"/learners/{learner['id']}/courses",
            json=course(hours=hours),
            headers=inst_a["headers"],
        )
        assert response.status_code == 201
    with Session(engine) as session:
        ledger.verify_chain(session, learner["id"])
