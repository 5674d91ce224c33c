"""Quality review: pending recognitions wait for the committee; conflicts of interest."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.models import Recognition
from tests.issuer.committee_factories import panel, pending_recognition, signed_in_learner, trio
from tests.issuer.factories import problem

pytestmark = pytest.mark.db


def _open(client: TestClient, admin: dict[str, str], recognition_id: int, panel_id: int) -> int:
    response = client.post(
        f"/committee/recognitions/{recognition_id}/review",
        json={"panel_id": panel_id},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    case_id: int = response.json()["id"]
    return case_id


def _vote(client: TestClient, case_id: int, who: dict[str, Any], choice: str) -> Any:
    return client.post(
        f"/committee/cases/{case_id}/votes", json={"choice": choice}, headers=who["headers"]
    )


def test_approval_deposits_the_credits(
    client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    learner = signed_in_learner(client, admin)
    members = trio(client, admin)
    board = panel(client, admin, "review", members)
    recognition_id = pending_recognition(engine, inst_a, learner["id"])
    account = client.get(f"/learners/{learner['id']}/account", headers=learner["headers"])
    assert account.json()["balance"] == 0
    case_id = _open(client, admin, recognition_id, board["id"])
    for who in members:
        _vote(client, case_id, who, "approve")
    account = client.get(f"/learners/{learner['id']}/account", headers=learner["headers"])
    assert account.json()["balance"] == 12
    with Session(engine) as session:
        row = session.get(Recognition, recognition_id)
        assert row is not None
        assert row.status == "recognised"
        assert row.decided_by == f"committee case {case_id}"


def test_rejection_deposits_nothing(
    client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    learner = signed_in_learner(client, admin)
    members = trio(client, admin)
    board = panel(client, admin, "review", members)
    recognition_id = pending_recognition(engine, inst_a, learner["id"])
    case_id = _open(client, admin, recognition_id, board["id"])
    for who in members:
        _vote(client, case_id, who, "reject")
    account = client.get(f"/learners/{learner['id']}/account", headers=learner["headers"])
    assert account.json()["balance"] == 0
    with Session(engine) as session:
        row = session.get(Recognition, recognition_id)
        assert row is not None and row.status == "rejected"
    problem(
        client.post(
            f"/committee/recognitions/{recognition_id}/review",
            json={"panel_id": board["id"]},
            headers=admin,
        ),
        409,
        "conflict",
    )


def test_member_of_the_institution_cannot_vote(
    client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    learner = signed_in_learner(client, admin)
    members = trio(client, admin, institution_id=inst_a["id"])
    board = panel(client, admin, "review", members)
    recognition_id = pending_recognition(engine, inst_a, learner["id"])
    case_id = _open(client, admin, recognition_id, board["id"])
    body = problem(_vote(client, case_id, members[0], "approve"), 409, "conflict_of_interest")
    assert str(inst_a["id"]) in body["detail"]
    # The two others are not enough for the default quorum of three voters.
    _vote(client, case_id, members[1], "approve")
    decided = _vote(client, case_id, members[2], "approve").json()
    assert decided["status"] == "open"


def test_default_panel_and_unknown_recognition(
    client: TestClient, admin: dict[str, str], engine: Engine, inst_b: dict[str, Any]
) -> None:
    learner = signed_in_learner(client, admin)
    members = trio(client, admin)
    newest = panel(client, admin, "review", members)
    recognition_id = pending_recognition(engine, inst_b, learner["id"])
    case = client.post(
        f"/committee/recognitions/{recognition_id}/review", json={}, headers=admin
    ).json()
    assert case["panel_id"] == newest["id"]
    assert case["institution_id"] == inst_b["id"]
    problem(
        client.post("/committee/recognitions/999999/review", json={}, headers=admin),
        404,
        "not_found",
    )
