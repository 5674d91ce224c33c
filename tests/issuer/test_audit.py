"""The audit trail and the Idempotency-Key mechanism."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from issuer.core import audit
from issuer.models import AuditEvent, Vote
from tests.issuer.committee_factories import deposit, panel, signed_in_learner, trio
from tests.issuer.factories import problem

pytestmark = pytest.mark.db


def test_payload_hash_is_canonical() -> None:
    assert audit.payload_hash({"b": 1, "a": "学分"}) == audit.payload_hash({"a": "学分", "b": 1})
    assert audit.payload_hash({"a": 1}) != audit.payload_hash({"a": 2})
    assert len(audit.payload_hash(None)) == 64


def _dispute_case(
    client: TestClient, admin: dict[str, str], inst: dict[str, Any]
) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    members = trio(client, admin)
    panel(client, admin, "disputes", members)
    learner = signed_in_learner(client, admin)
    entry = deposit(client, inst, learner["id"])
    filed = client.post(
        f"/learners/{learner['id']}/disputes",
        json={"ledger_entry_id": entry["id"], "grounds": "课时记录有误 / hours mis-recorded"},
        headers=learner["headers"],
    )
    assert filed.status_code == 201, filed.text
    return filed.json()["case"]["id"], members, learner


def test_every_action_is_in_the_trail(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    case_id, members, learner = _dispute_case(client, admin, inst_a)
    for who in members:
        client.post(
            f"/committee/cases/{case_id}/votes", json={"choice": "upheld"}, headers=who["headers"]
        )
    subject = client.get(f"/committee/cases/{case_id}", headers=admin).json()["subject"]
    trail = client.get(f"/audit?subject={subject}&limit=200", headers=admin).json()
    actions = [(e["actor"], e["action"]) for e in trail["items"]]
    assert actions == [
        (f"committee:{members[0]['id']}", "case.vote"),
        (f"committee:{members[1]['id']}", "case.vote"),
        (f"committee:{members[2]['id']}", "case.vote"),
        (f"committee:{members[2]['id']}", "case.upheld"),
    ]
    assert all(len(e["payload_hash"]) == 64 and e["at"] for e in trail["items"])
    creations = client.get(f"/audit?subject=member:{members[0]['id']}", headers=admin).json()
    assert [(e["actor"], e["action"]) for e in creations["items"]] == [("admin", "member.create")]
    # Only the operator reads the trail.
    problem(client.get("/audit", headers=members[0]["headers"]), 403, "forbidden")
    problem(client.get("/audit", headers=learner["headers"]), 403, "forbidden")


def test_audit_pagination(client: TestClient, admin: dict[str, str]) -> None:
    trio(client, admin)
    page = client.get("/audit?limit=2&offset=1", headers=admin).json()
    assert page["limit"] == 2 and page["offset"] == 1
    assert len(page["items"]) == 2
    assert page["total"] >= 3
    problem(client.get("/audit?offset=-1", headers=admin), 422, "invalid_request")


def test_idempotent_vote_replays_and_refuses_another_body(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    case_id, members, _ = _dispute_case(client, admin, inst_a)
    path = f"/committee/cases/{case_id}/votes"
    headers = {**members[0]["headers"], "Idempotency-Key": "vote-1"}
    first = client.post(path, json={"choice": "upheld"}, headers=headers)
    again = client.post(path, json={"choice": "upheld"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    problem(
        client.post(path, json={"choice": "rejected"}, headers=headers),
        422,
        "idempotency_key_reused",
    )
    # Without the key the retry is a second vote, refused as such.
    problem(
        client.post(path, json={"choice": "upheld"}, headers=members[0]["headers"]),
        409,
        "already_voted",
    )
    with Session(engine) as session:
        votes = session.exec(
            select(func.count()).select_from(Vote).where(col(Vote.case_id) == case_id)
        ).one()
        events = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                col(AuditEvent.action) == "case.vote",
                col(AuditEvent.actor) == f"committee:{members[0]['id']}",
            )
        ).one()
    assert votes == 1
    assert events == 1


def test_idempotency_keys_are_per_caller(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    case_id, members, _ = _dispute_case(client, admin, inst_a)
    path = f"/committee/cases/{case_id}/votes"
    for who in members[:2]:
        response = client.post(
            path, json={"choice": "upheld"}, headers={**who["headers"], "Idempotency-Key": "same"}
        )
        assert response.status_code == 201
    assert len(response.json()["votes"]) == 2
