"""Governed status changes: the operator with a reason, a committee member only through a
case of their panel that concerns the credential, and after its decision for revoking or
reinstating; every change readable back with who, why and which case."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.models import AuditEvent
from tests.issuer.committee_factories import deposit, member, signed_in_learner
from tests.issuer.factories import problem

pytestmark = pytest.mark.db

GROUNDS = "实训课时记录不完整 / the practice hours were under-recorded"


def credential_with_dispute(
    client: TestClient, admin: dict[str, str], inst: dict[str, Any]
) -> tuple[str, int]:
    """A learner's credential over one deposit, and the open case of a dispute of it."""
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst, learner["id"])
    issued = client.post(
        f"/learners/{learner['id']}/credentials", json={"entry_ids": [entry["id"]]}, headers=admin
    )
    assert issued.status_code == 201, issued.text
    filed = client.post(
        f"/learners/{learner['id']}/disputes",
        json={"ledger_entry_id": entry["id"], "grounds": GROUNDS},
        headers=learner["headers"],
    )
    assert filed.status_code == 201, filed.text
    return issued.json()["jti"], filed.json()["case"]["id"]


def change(client: TestClient, jti: str, headers: dict[str, str], status: str, **body: Any) -> Any:
    return client.post(
        f"/credentials/{jti}/status",
        json={"status": status, "reason": f"test: {status}", **body},
        headers=headers,
    )


def decide(client: TestClient, case_id: int, members: list[dict[str, Any]], choice: str) -> None:
    for who in members:
        response = client.post(
            f"/committee/cases/{case_id}/votes", json={"choice": choice}, headers=who["headers"]
        )
        assert response.status_code == 201, response.text


def status_of(client: TestClient, admin: dict[str, str], jti: str) -> dict[str, Any]:
    response = client.get(f"/credentials/{jti}/status", headers=admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_member_needs_a_case(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
) -> None:
    jti, _ = credential_with_dispute(client, admin, inst_a)
    for status in ("suspended", "revoked"):
        problem(change(client, jti, dispute_panel[0]["headers"], status), 403, "case_required")
    assert status_of(client, admin, jti)["status"] == "active"


def test_a_member_off_the_panel_is_refused(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
) -> None:
    jti, case_id = credential_with_dispute(client, admin, inst_a)
    outsider = member(client, admin, "industry")
    response = change(client, jti, outsider["headers"], "suspended", case_id=case_id)
    problem(response, 403, "not_on_panel")
    assert status_of(client, admin, jti)["history"] == []


def test_a_case_about_another_credential_is_refused(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
) -> None:
    jti, _ = credential_with_dispute(client, admin, inst_a)
    _, other_case = credential_with_dispute(client, admin, inst_a)
    response = change(client, jti, dispute_panel[0]["headers"], "suspended", case_id=other_case)
    problem(response, 422, "case_unrelated")
    problem(change(client, jti, admin, "revoked", case_id=other_case), 422, "case_unrelated")
    problem(change(client, jti, admin, "revoked", case_id=999_999), 404, "not_found")
    assert status_of(client, admin, jti)["status"] == "active"


def test_suspend_through_the_open_case_then_revoke_only_after_a_decision_for_it(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
) -> None:
    jti, case_id = credential_with_dispute(client, admin, inst_a)
    expert = dispute_panel[1]
    suspended = change(client, jti, expert["headers"], "suspended", case_id=case_id)
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    for status in ("revoked", "active"):
        response = change(client, jti, expert["headers"], status, case_id=case_id)
        problem(response, 409, "case_not_decided")
    decide(client, case_id, dispute_panel, "upheld")  # the original decision stands
    problem(
        change(client, jti, expert["headers"], "revoked", case_id=case_id), 409, "decision_mismatch"
    )
    reinstated = change(client, jti, expert["headers"], "active", case_id=case_id)
    assert reinstated.status_code == 200, reinstated.text

    body = status_of(client, admin, jti)
    assert body["status"] == "active"
    assert [
        (h["from_status"], h["to_status"], h["actor"], h["reason"], h["case_id"])
        for h in body["history"]
    ] == [
        ("active", "suspended", f"committee:{expert['id']}", "test: suspended", case_id),
        ("suspended", "active", f"committee:{expert['id']}", "test: active", case_id),
    ]
    # Readable by the committee too.
    assert client.get(f"/credentials/{jti}/status", headers=expert["headers"]).status_code == 200


def test_the_operator_revokes_with_a_reason_and_no_case(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
    engine: Engine,
) -> None:
    jti, _ = credential_with_dispute(client, admin, inst_a)
    problem(
        client.post(f"/credentials/{jti}/status", json={"status": "revoked"}, headers=admin),
        422,
        "invalid_request",
    )
    revoked = change(client, jti, admin, "revoked")
    assert revoked.status_code == 200, revoked.text
    (entry,) = status_of(client, admin, jti)["history"]
    assert (entry["actor"], entry["reason"], entry["case_id"]) == ("admin", "test: revoked", None)
    with Session(engine) as session:
        actions = session.exec(
            select(AuditEvent.action)
            .where(col(AuditEvent.subject) == f"credential:{jti}")
            .order_by(col(AuditEvent.id))
        ).all()
    assert list(actions) == ["credential.issue", "credential.revoked"]


def test_a_modified_dispute_revokes_citing_its_case(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    dispute_panel: list[dict[str, Any]],
) -> None:
    jti, case_id = credential_with_dispute(client, admin, inst_a)
    for who in dispute_panel:
        response = client.post(
            f"/committee/cases/{case_id}/votes",
            json={"choice": "modified", "half_credits": 2},
            headers=who["headers"],
        )
        assert response.status_code == 201, response.text
    body = status_of(client, admin, jti)
    assert body["status"] == "revoked"
    (entry,) = body["history"]
    assert entry["case_id"] == case_id and entry["to_status"] == "revoked"
    assert "modified the credits" in entry["reason"]
