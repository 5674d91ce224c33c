"""The committee workspace in the console: a member's cases, conflict of interest, the vote."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.models import AuditEvent, Vote
from tests.issuer.committee_factories import panel
from tests.issuer.factories import create_institution, create_learner, problem
from tests.issuer.staff_factories import csrf_of, make_staff, sign_in
from tests.issuer.test_standards import draft_body

pytestmark = pytest.mark.db


def expert(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    admin: dict[str, str],
    category: str,
    institution_id: int | None = None,
) -> dict[str, Any]:
    """A committee member linked to a signed-in console account (role committee)."""
    account = make_staff(engine, settings, "committee")
    response = client.post(
        "/committee/members",
        json={
            "name": f"专家-{category}-{account.id}",
            "category": category,
            "affiliation_institution_id": institution_id,
            "staff_id": account.id,
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    browser = TestClient(app)
    sign_in(browser, account)
    return {**response.json(), "browser": browser, "account": account}


def _vote(who: dict[str, Any], case_id: int, choice: str, comment: str) -> Any:
    browser: TestClient = who["browser"]
    page = browser.get(f"/console/committee/cases/{case_id}")
    assert page.status_code == 200, page.text
    return browser.post(
        f"/console/committee/cases/{case_id}/vote",
        data={"csrf": csrf_of(page.text), "choice": choice, "comment": comment},
        follow_redirects=False,
    )


def test_three_members_approve_a_standard_version_in_the_console(
    app: FastAPI, engine: Engine, settings: Settings, client: TestClient, admin: dict[str, str]
) -> None:
    board = [
        expert(app, engine, settings, client, admin, c)
        for c in ("education", "industry", "enterprise")
    ]
    panel(client, admin, "standards", board)
    sid = f"TS-{uuid.uuid4().hex[:8].upper()}"
    assert client.post("/standards", json=draft_body(sid, f"工种{sid}"), headers=admin).is_success
    opened = client.post(f"/committee/standards/{sid}/versions/1/review", json={}, headers=admin)
    case_id = opened.json()["id"]
    listing = board[0]["browser"].get("/console/committee")
    assert f'id="case-{case_id}"' in listing.text
    detail = board[0]["browser"].get(f"/console/committee/cases/{case_id}")
    assert f"{sid}@1" in detail.text and 'id="diff"' in detail.text
    # A vote needs a reason.
    blank = _vote(board[0], case_id, "approve", "  ")
    assert blank.status_code == 422 and 'data-code="invalid_request"' in blank.text
    for who in board:
        done = _vote(who, case_id, "approve", "规则合理 / sound rules")
        assert done.status_code == 303, done.text
    shown = client.get(f"/standards/{sid}/versions/1").json()
    assert shown["status"] == "effective"
    outcome = board[2]["browser"].get(f"/console/committee/cases/{case_id}")
    assert 'id="outcome"' in outcome.text and 'data-status="approve"' in outcome.text
    again = _vote(board[1], case_id, "approve", "again")
    assert again.status_code == 409 and 'data-code="case_closed"' in again.text


def test_a_member_with_a_conflict_of_interest_cannot_vote_and_it_is_audited(
    app: FastAPI, engine: Engine, settings: Settings, client: TestClient, admin: dict[str, str]
) -> None:
    school = create_institution(client, admin)
    affiliated = expert(app, engine, settings, client, admin, "education", school["id"])
    others = [expert(app, engine, settings, client, admin, c) for c in ("industry", "enterprise")]
    panel(client, admin, "review", [affiliated, *others])
    learner = create_learner(client, school["headers"])
    recorded = client.post(
        f"/learners/{learner['id']}/achievements",
        json={
            "kind": "work_experience",
            "occupation_name": "农业经理人",
            "months": 24,
            "employer": "某农业合作社",
            "attestation": f"证明 {uuid.uuid4().hex[:6]}",
            "completed_on": "2025-01-31",
        },
        headers=school["headers"],
    ).json()
    subject = f"recognition:{recorded['recognition']['id']}"
    cases = client.get("/committee/cases", params={"status": "open", "limit": 200}, headers=admin)
    (case,) = [c for c in cases.json()["items"] if c["subject"] == subject]
    page = affiliated["browser"].get(f"/console/committee/cases/{case['id']}")
    assert 'id="conflict"' in page.text
    assert "农业经理人" in page.text  # the evidence
    listing = affiliated["browser"].get("/console/committee").text
    assert "利益冲突" in listing or "Conflict of interest" in listing
    refused = _vote(affiliated, case["id"], "approve", "同意")
    assert refused.status_code == 409 and 'data-code="conflict_of_interest"' in refused.text
    with Session(engine) as session:
        assert not session.exec(select(Vote).where(col(Vote.case_id) == case["id"])).all()
        events = session.exec(
            select(AuditEvent).where(
                col(AuditEvent.action) == "console.refused.conflict_of_interest",
                col(AuditEvent.subject) == f"/console/committee/cases/{case['id']}/vote",
            )
        ).all()
        assert [e.actor for e in events] == [f"staff:{affiliated['account'].id}"]


def test_cases_of_other_panels_are_out_of_scope_and_links_are_checked(
    app: FastAPI, engine: Engine, settings: Settings, client: TestClient, admin: dict[str, str]
) -> None:
    outsider = expert(app, engine, settings, client, admin, "industry")
    board = [
        expert(app, engine, settings, client, admin, c)
        for c in ("education", "industry", "enterprise")
    ]
    panel(client, admin, "standards", board)
    sid = f"TS-{uuid.uuid4().hex[:8].upper()}"
    client.post("/standards", json=draft_body(sid, f"工种{sid}"), headers=admin)
    case_id = client.post(
        f"/committee/standards/{sid}/versions/1/review", json={}, headers=admin
    ).json()["id"]
    page = outsider["browser"].get(f"/console/committee/cases/{case_id}")
    assert page.status_code == 403 and 'data-code="out_of_scope"' in page.text
    # A staff account is one member's at most, and only of role committee.
    problem(
        client.post(
            "/committee/members",
            json={"name": "重复", "category": "industry", "staff_id": outsider["account"].id},
            headers=admin,
        ),
        409,
        "conflict",
    )
    reviewer = make_staff(engine, settings, "operator")
    problem(
        client.post(
            "/committee/members",
            json={"name": "运营", "category": "industry", "staff_id": reviewer.id},
            headers=admin,
        ),
        422,
        "invalid_request",
    )
    # A committee account without a member record is refused the workspace.
    lone = make_staff(engine, settings, "committee")
    browser = TestClient(app)
    sign_in(browser, lone)
    assert 'data-code="forbidden"' in browser.get("/console/committee").text
