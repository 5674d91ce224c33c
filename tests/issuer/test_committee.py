"""The expert committee: members, panels, quorum, conflicts of interest, standard approval."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.committee import panels
from issuer.conversion import standards
from issuer.core import migrate
from issuer.core.db import make_engine
from issuer.core.errors import Conflict
from issuer.demo.committee import demo_step
from issuer.models import CommitteeCase, CommitteeMember, Panel, utcnow
from tests.issuer.committee_factories import member, panel, trio
from tests.issuer.factories import course, create_learner, problem

pytestmark = pytest.mark.db


def _draft_standard(engine: Engine) -> tuple[str, int]:
    """A new draft version of a seeded standard."""
    with Session(engine) as session:
        base = standards.list_standards(session)[0]
        payload = {k: v for k, v in base.document.items() if k != "version"}
        row = standards.create_draft(session, payload)
        session.commit()
        return row.standard_id, row.version


def _vote(client: TestClient, case_id: int, who: dict[str, Any], choice: str, **extra: Any) -> Any:
    return client.post(
        f"/committee/cases/{case_id}/votes",
        json={"choice": choice, **extra},
        headers=who["headers"],
    )


# -- the quorum rule, as a pure function ------------------------------------------------


def _panel(**rule: Any) -> Panel:
    return Panel(name="p", purpose="standards", **rule)


@pytest.mark.parametrize(
    ("votes", "rule", "expected"),
    [
        ([("approve", "education"), ("approve", "industry")], {}, None),  # too few voters
        ([("approve", "education")] * 3, {}, None),  # no industry/enterprise voter
        ([("approve", "education")] * 3, {"require_industry": False}, "approve"),
        (
            [("approve", "education"), ("approve", "enterprise"), ("reject", "industry")],
            {},
            "approve",
        ),
        (
            [("approve", "education"), ("reject", "enterprise"), ("reject", "industry")],
            {},
            "reject",
        ),
        (
            [
                ("approve", "education"),
                ("approve", "enterprise"),
                ("reject", "industry"),
                ("reject", "education"),
            ],
            {},
            None,  # 2 of 4 is below 2/3
        ),
        (
            [("approve", "education"), ("approve", "enterprise"), ("reject", "industry")],
            {"approve_num": 3, "approve_den": 4},
            None,
        ),
        ([("approve", "industry")], {"min_voters": 1}, "approve"),
    ],
)
def test_tally(votes: list[tuple[str, str]], rule: dict[str, Any], expected: str | None) -> None:
    assert panels.tally(_panel(**rule), votes) == expected


# -- members and panels -----------------------------------------------------------------


def test_member_token_is_hashed_at_rest(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    created = member(client, admin, "industry", affiliation="行业协会")
    assert created["token"].startswith("cbc_")
    with Session(engine) as session:
        row = session.get(CommitteeMember, created["id"])
        assert row is not None
        assert created["token"] not in row.token_hash
        assert len(row.token_hash) == 64
    listing = client.get("/committee/members?limit=500", headers=admin)
    problem(listing, 422, "invalid_request")
    listing = client.get("/committee/members?limit=200", headers=created["headers"])
    assert listing.status_code == 200
    assert "token" not in listing.json()["items"][0]


def test_member_list_is_paginated(client: TestClient, admin: dict[str, str]) -> None:
    member(client, admin, "education")
    member(client, admin, "enterprise")
    first = client.get("/committee/members?limit=1&offset=0", headers=admin).json()
    second = client.get("/committee/members?limit=1&offset=1", headers=admin).json()
    assert first["total"] == second["total"] >= 2
    assert len(first["items"]) == 1
    assert first["items"][0]["id"] != second["items"][0]["id"]


def test_member_of_unknown_institution(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/committee/members",
        json={"name": "x", "category": "education", "affiliation_institution_id": 999999},
        headers=admin,
    )
    problem(response, 404, "not_found")


def test_panel_validation(client: TestClient, admin: dict[str, str]) -> None:
    body: dict[str, Any] = {"name": "p", "purpose": "standards", "member_ids": [999999]}
    problem(client.post("/committee/panels", json=body, headers=admin), 404, "not_found")
    someone = member(client, admin, "industry")
    body = {"name": "p", "purpose": "standards", "member_ids": [someone["id"]], "approve_num": 4}
    problem(client.post("/committee/panels", json=body, headers=admin), 422, "invalid_request")
    body["approve_num"] = 2
    created = client.post("/committee/panels", json=body, headers=admin).json()
    got = client.get(f"/committee/panels/{created['id']}", headers=someone["headers"]).json()
    assert got["member_ids"] == [someone["id"]]
    assert (got["min_voters"], got["approve_num"], got["approve_den"]) == (3, 2, 3)
    problem(client.get("/committee/panels/999999", headers=admin), 404, "not_found")


# -- approving a standard version -------------------------------------------------------


def test_committee_approves_a_standard_version(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    members = trio(client, admin)
    board = panel(client, admin, "standards", members)
    standard_id, version = _draft_standard(engine)
    path = f"/committee/standards/{standard_id}/versions/{version}/review"
    case = client.post(path, json={"panel_id": board["id"]}, headers=admin)
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    problem(client.post(path, json={}, headers=admin), 409, "conflict")
    shown = client.get(f"/standards/{standard_id}/versions/{version}").json()
    assert shown["status"] == "under_review"

    assert _vote(client, case_id, members[0], "approve").json()["status"] == "open"
    problem(_vote(client, case_id, members[0], "approve"), 409, "already_voted")
    assert _vote(client, case_id, members[1], "approve").json()["status"] == "open"
    decided = _vote(client, case_id, members[2], "reject").json()
    assert decided["status"] == "approve"
    assert decided["decided_at"] is not None
    assert len(decided["votes"]) == 3
    shown = client.get(f"/standards/{standard_id}/versions/{version}").json()
    # The draft's effective date has passed: approval puts it in force at once.
    assert shown["status"] == "effective"
    assert shown["effective_from"] <= decided["decided_at"][:10]
    outsider = member(client, admin, "industry")
    problem(_vote(client, case_id, outsider, "approve"), 409, "case_closed")


def test_vote_rules(client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    members = trio(client, admin)
    board = panel(client, admin, "standards", members)
    standard_id, version = _draft_standard(engine)
    case_id = client.post(
        f"/committee/standards/{standard_id}/versions/{version}/review",
        json={"panel_id": board["id"]},
        headers=admin,
    ).json()["id"]
    outsider = member(client, admin, "industry")
    problem(_vote(client, case_id, outsider, "approve"), 403, "forbidden")
    problem(_vote(client, case_id, members[0], "upheld"), 422, "invalid_request")
    problem(_vote(client, 999999, members[0], "approve"), 404, "not_found")
    problem(_vote(client, case_id, members[0], "approve", half_credits=4), 422, "invalid_request")


def test_panel_of_the_wrong_purpose(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    members = trio(client, admin)
    board = panel(client, admin, "review", members)
    standard_id, version = _draft_standard(engine)
    response = client.post(
        f"/committee/standards/{standard_id}/versions/{version}/review",
        json={"panel_id": board["id"]},
        headers=admin,
    )
    problem(response, 422, "invalid_request")
    response = client.post(
        f"/committee/standards/{standard_id}/versions/{version}/review",
        json={"panel_id": 999999},
        headers=admin,
    )
    problem(response, 404, "not_found")


def test_cases_list_filters_and_overdue(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    members = trio(client, admin)
    board = panel(client, admin, "standards", members, decision_days=1)
    standard_id, version = _draft_standard(engine)
    case_id = client.post(
        f"/committee/standards/{standard_id}/versions/{version}/review",
        json={"panel_id": board["id"]},
        headers=admin,
    ).json()["id"]
    open_cases = client.get("/committee/cases?status=open&limit=200", headers=admin).json()
    assert case_id in [c["id"] for c in open_cases["items"]]
    assert all(c["status"] == "open" for c in open_cases["items"])
    overdue = client.get("/committee/cases?overdue=true&limit=200", headers=admin).json()
    assert case_id not in [c["id"] for c in overdue["items"]]
    # Move the deadline into the past: the case shows as overdue.
    with Session(engine) as session:
        row = session.get(CommitteeCase, case_id)
        assert row is not None
        row.due_at = utcnow() - timedelta(hours=1)
        session.add(row)
        session.commit()
    overdue = client.get("/committee/cases?overdue=true&limit=200", headers=admin).json()
    assert case_id in [c["id"] for c in overdue["items"]]
    shown = client.get(f"/committee/cases/{case_id}", headers=members[1]["headers"]).json()
    assert shown["overdue"] is True


def test_no_panel_for_the_purpose_is_a_conflict(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session, pytest.raises(Conflict, match="no committee panel"):
            panels.open_case(session, kind="dispute", subject="ledger_entry:1")
    finally:
        engine.dispose()


def test_demo_step_walks_the_story(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner = create_learner(client, admin)
    response = client.post(
        f"/learners/{learner['id']}/courses", json=course(), headers=inst_a["headers"]
    )
    assert response.status_code == 201
    summary = demo_step(client, admin, learner["id"], inst_a["id"])
    assert summary["standard_approved"].endswith("approve → effective")
    assert summary["dispute"]["outcome"] == "modified"
    assert summary["dispute"]["correction"] == "adjustment"
    assert summary["redemption"]["second_attempt"] == "already_redeemed"
    assert summary["redemption"]["credits"] >= 80
