"""Dispute arbitration: filing window, panel decision, ledger corrections, revocation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.bank import ledger
from issuer.models import CommitteeCase, Credential, utcnow
from tests.issuer.committee_factories import deposit, panel, signed_in_learner, trio
from tests.issuer.factories import problem

pytestmark = pytest.mark.db

GROUNDS = "实训课时记录不完整，实际完成 48 学时 / the practice hours were under-recorded"


def _file(client: TestClient, learner: dict[str, Any], entry_id: int) -> Any:
    return client.post(
        f"/learners/{learner['id']}/disputes",
        json={"ledger_entry_id": entry_id, "grounds": GROUNDS},
        headers=learner["headers"],
    )


def _vote(client: TestClient, case_id: int, who: dict[str, Any], choice: str, **extra: Any) -> Any:
    response = client.post(
        f"/committee/cases/{case_id}/votes",
        json={"choice": choice, **extra},
        headers=who["headers"],
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_modified_outcome_corrects_the_ledger_and_revokes(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
    engine: Engine,
) -> None:
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst_a, learner["id"])
    assert entry["half_credits"] == 4
    issued = client.post(
        f"/learners/{learner['id']}/credentials", json={"entry_ids": [entry["id"]]}, headers=admin
    )
    assert issued.status_code == 201, issued.text
    filed = _file(client, learner, entry["id"])
    assert filed.status_code == 201, filed.text
    dispute = filed.json()
    case_id = dispute["case"]["id"]
    assert dispute["case"]["status"] == "open"
    problem(_file(client, learner, entry["id"]), 409, "dispute_open")

    education, industry, enterprise = dispute_panel
    _vote(client, case_id, education, "modified", half_credits=8)
    _vote(client, case_id, industry, "modified", half_credits=6)
    decided = _vote(client, case_id, enterprise, "upheld")
    assert decided["status"] == "modified"
    assert decided["outcome_half_credits"] == 6  # the lower median of 6 and 8

    account = client.get(f"/learners/{learner['id']}/account", headers=learner["headers"]).json()
    assert account["balance_half_credits"] == 6
    correction = account["entries"][-1]
    assert correction["kind"] == "adjustment"
    assert correction["half_credits"] == 2
    assert correction["rule"] == f"dispute:{dispute['id']}"
    with Session(engine) as session:
        ledger.verify_chain(session, learner["id"])
        credential = session.exec(
            select(Credential).where(col(Credential.jti) == issued.json()["jti"])
        ).one()
        assert credential.status == "revoked"
    audit = client.get(f"/audit?subject=dispute:{dispute['id']}", headers=admin).json()
    assert [e["action"] for e in audit["items"]] == ["dispute.file", "dispute.modified"]


def test_modified_to_zero_is_a_reversal(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
) -> None:
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst_a, learner["id"])
    case_id = _file(client, learner, entry["id"]).json()["case"]["id"]
    for who in dispute_panel:
        _vote(client, case_id, who, "modified", half_credits=0)
    account = client.get(f"/learners/{learner['id']}/account", headers=admin).json()
    assert account["balance_half_credits"] == 0
    assert account["entries"][-1]["kind"] == "reversal"


@pytest.mark.parametrize("outcome", ["upheld", "rejected"])
def test_upheld_or_rejected_changes_nothing(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
    outcome: str,
) -> None:
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst_a, learner["id"])
    case_id = _file(client, learner, entry["id"]).json()["case"]["id"]
    for who in dispute_panel:
        decided = _vote(client, case_id, who, outcome)
    assert decided["status"] == outcome
    account = client.get(f"/learners/{learner['id']}/account", headers=admin).json()
    assert len(account["entries"]) == 1


def test_dispute_window_closed(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    dispute_panel: list[dict[str, Any]],
) -> None:
    learner = signed_in_learner(client, admin)
    with Session(engine) as session:
        old = ledger.append(
            session,
            learner_id=learner["id"],
            kind="deposit",
            half_credits=4,
            domain="AM",
            standard="GE-HOURS@1",
            rule="theory",
            explanation="old decision",
            now=utcnow() - timedelta(days=31),
        )
        session.commit()
        old_id = old.id
    assert old_id is not None
    problem(_file(client, learner, old_id), 422, "dispute_window_closed")


def test_who_may_file_and_read(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
) -> None:
    alice, bob = signed_in_learner(client, admin), signed_in_learner(client, admin)
    entry = deposit(client, inst_a, alice["id"])
    # Bob cannot dispute Alice's decisions, through her path or his own.
    problem(
        client.post(
            f"/learners/{alice['id']}/disputes",
            json={"ledger_entry_id": entry["id"], "grounds": GROUNDS},
            headers=bob["headers"],
        ),
        403,
        "forbidden",
    )
    problem(_file(client, bob, entry["id"]), 404, "not_found")
    problem(
        client.post(
            f"/learners/{alice['id']}/disputes",
            json={"ledger_entry_id": entry["id"], "grounds": GROUNDS},
            headers=admin,
        ),
        403,
        "forbidden",
    )
    dispute = _file(client, alice, entry["id"]).json()
    own = client.get(f"/disputes/{dispute['id']}", headers=alice["headers"])
    assert own.status_code == 200
    problem(client.get(f"/disputes/{dispute['id']}", headers=bob["headers"]), 403, "forbidden")
    assert client.get(f"/disputes/{dispute['id']}", headers=dispute_panel[0]["headers"]).is_success
    problem(client.get("/disputes/999999", headers=admin), 404, "not_found")
    listed = client.get(f"/learners/{alice['id']}/disputes", headers=alice["headers"]).json()
    assert [d["id"] for d in listed["items"]] == [dispute["id"]]
    assert listed["total"] == 1
    everything = client.get("/disputes?limit=1", headers=admin).json()
    assert everything["total"] >= 1 and len(everything["items"]) == 1


def test_conflict_of_interest_on_a_dispute(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    members = trio(client, admin, institution_id=inst_a["id"])
    panel(client, admin, "disputes", members)
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst_a, learner["id"])
    case_id = _file(client, learner, entry["id"]).json()["case"]["id"]
    response = client.post(
        f"/committee/cases/{case_id}/votes",
        json={"choice": "upheld"},
        headers=members[0]["headers"],
    )
    problem(response, 409, "conflict_of_interest")


def test_deadline_and_overdue(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
    engine: Engine,
) -> None:
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst_a, learner["id"])
    dispute = _file(client, learner, entry["id"]).json()
    case = dispute["case"]
    assert case["overdue"] is False
    due = datetime.fromisoformat(case["due_at"])
    filed = datetime.fromisoformat(dispute["filed_at"])
    assert due - filed == timedelta(days=30)
    with Session(engine) as session:
        row = session.get(CommitteeCase, case["id"])
        assert row is not None
        row.due_at = utcnow() - timedelta(minutes=1)
        session.add(row)
        session.commit()
    shown = client.get(f"/disputes/{dispute['id']}", headers=admin).json()
    assert shown["case"]["overdue"] is True
