"""The issue's bad input, refused with its code, nothing half-applied, and the attempt audited.

Each test makes the refused attempt and reads three things back: the answer's code, the
audit event of the attempt (action, actor, subject, the code as reason) and the stored
state it would have changed. The refused CSV uploads are in ``test_imports_api.py``, the
console's conflict-of-interest vote in ``test_console_committee.py``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.conversion import standards
from issuer.core.settings import Settings
from issuer.models import AuditEvent, ConversionStandard, IdempotencyRecord, StaffAccount, Vote
from tests.issuer.committee_factories import member, panel
from tests.issuer.factories import create_institution, create_learner, problem
from tests.issuer.staff_factories import csrf_of, make_staff, password_step, sign_in
from tests.issuer.test_standards import draft_body

pytestmark = pytest.mark.db


def _events(engine: Engine, action: str, subject: str | None = None) -> list[AuditEvent]:
    with Session(engine) as session:
        query = select(AuditEvent).where(col(AuditEvent.action) == action)
        if subject is not None:
            query = query.where(col(AuditEvent.subject) == subject)
        return list(session.exec(query.order_by(col(AuditEvent.id))))


# -- a vote despite a conflict of interest, over the API -----------------------------------


def test_an_api_vote_with_a_conflict_of_interest_is_refused_and_audited(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    school = create_institution(client, admin)
    affiliated = member(client, admin, "education", institution_id=school["id"])
    others = [member(client, admin, c, affiliation="行业协会") for c in ("industry", "enterprise")]
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
    url = f"/committee/cases/{case['id']}/votes"
    key = {"Idempotency-Key": f"vote-{uuid.uuid4().hex}"}
    for _ in range(2):  # a retry with the same key is refused again, not answered from a store
        refused = client.post(
            url,
            json={"choice": "approve", "comment": "同意"},
            headers={**affiliated["headers"], **key},
        )
        problem(refused, 409, "conflict_of_interest")
    events = _events(engine, "case.refused.conflict_of_interest", f"case:{case['id']}")
    assert [(e.actor, e.reason) for e in events] == [
        (f"committee:{affiliated['id']}", "conflict_of_interest")
    ] * 2
    with Session(engine) as session:
        assert not session.exec(select(Vote).where(col(Vote.case_id) == case["id"])).all()
        assert not session.exec(
            select(IdempotencyRecord).where(col(IdempotencyRecord.key) == key["Idempotency-Key"])
        ).all()
    assert not _events(engine, "case.vote", subject)
    # A member without the conflict votes on the same case.
    cast = client.post(
        url, json={"choice": "approve", "comment": "同意"}, headers=others[0]["headers"]
    )
    assert cast.status_code == 201, cast.text


# -- a standards draft whose rules contradict each other -------------------------------------


def _clashing(sid: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = draft_body(sid, f"工种{sid}")["rules"]
    return [*rules, {**rules[0], "id": "occ-again"}]


def test_contradicting_rules_are_refused_and_audited_on_every_api_save(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    sid = f"TS-{uuid.uuid4().hex[:8].upper()}"
    body = draft_body(sid, f"工种{sid}")
    created = problem(
        client.post("/standards", json={**body, "rules": _clashing(sid)}, headers=admin),
        422,
        "standard_contradiction",
    )
    assert "occ-again" in created["detail"]
    assert [
        e.reason
        for e in _events(engine, "standard.refused.standard_contradiction", f"standard:{sid}")
    ] == ["standard_contradiction"]
    assert client.get(f"/standards/{sid}/versions/1").status_code == 404  # nothing stored

    assert client.post("/standards", json=body, headers=admin).status_code == 201
    ref = f"standard:{sid}@1"
    edited = client.patch(
        f"/standards/{sid}/versions/1", json={"rules": _clashing(sid)}, headers=admin
    )
    problem(edited, 422, "standard_contradiction")
    copied = client.post(
        f"/standards/{sid}/versions/1/draft", json={"rules": _clashing(sid)}, headers=admin
    )
    problem(copied, 422, "standard_contradiction")
    events = _events(engine, "standard.refused.standard_contradiction", ref)
    assert [(e.actor, e.reason) for e in events] == [("admin", "standard_contradiction")] * 2
    shown = client.get(f"/standards/{sid}/versions/1").json()
    assert [r["id"] for r in shown["document"]["rules"]] == ["occ"] and shown["status"] == "draft"
    assert client.get(f"/standards/{sid}/versions/2").status_code == 404
    assert not _events(engine, "standard.edit", ref)


def _stored_clash(engine: Engine, client: TestClient, admin: dict[str, str]) -> str:
    """A draft whose stored rules contradict each other, as one saved before the check."""
    sid = f"TS-{uuid.uuid4().hex[:8].upper()}"
    assert client.post("/standards", json=draft_body(sid, f"工种{sid}"), headers=admin).is_success
    with Session(engine) as session:
        row = standards.get_version(session, sid, 1)
        row.document = {**row.document, "rules": _clashing(sid)}
        session.add(row)
        session.commit()
    return sid


@pytest.mark.parametrize("route", ["submit", "committee"])
def test_a_contradicting_draft_is_not_submitted_and_the_attempt_is_audited(
    client: TestClient, admin: dict[str, str], engine: Engine, route: str
) -> None:
    sid = _stored_clash(engine, client, admin)
    if route == "submit":
        sent = client.post(f"/standards/{sid}/versions/1/submit", headers=admin)
    else:
        sent = client.post(f"/committee/standards/{sid}/versions/1/review", json={}, headers=admin)
    problem(sent, 422, "standard_contradiction")
    (event,) = _events(engine, "standard.refused.standard_contradiction", f"standard:{sid}@1")
    assert (event.actor, event.reason) == ("admin", "standard_contradiction")
    assert client.get(f"/standards/{sid}/versions/1").json()["status"] == "draft"
    assert not _events(engine, "case.open", f"standard:{sid}@1")


def test_the_console_does_not_submit_a_contradicting_draft(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    sid = _stored_clash(engine, client, admin)
    operator = make_staff(engine, settings, "operator")
    browser = TestClient(app)
    sign_in(browser, operator)
    base = f"/console/standards/{sid}/versions/1"
    shown = browser.get(base)  # the page shows the draft and names the clash
    assert shown.status_code == 200 and 'data-code="standard_contradiction"' in shown.text
    notice = shown.text.split('id="contradiction"')[1].split("</p>")[0]
    assert 'id="rule-occ-again"' in shown.text and "occ-again" in notice
    csrf = csrf_of(shown.text)
    sent = browser.post(f"{base}/submit", data={"csrf": csrf})
    assert sent.status_code == 422 and 'data-code="standard_contradiction"' in sent.text
    (event,) = _events(engine, "console.refused.standard_contradiction", f"{base}/submit")
    assert (event.actor, event.reason) == (f"staff:{operator.id}", "standard_contradiction")
    with Session(engine) as session:
        row = session.exec(
            select(ConversionStandard).where(col(ConversionStandard.standard_id) == sid)
        ).one()
        assert row.status == "draft"


# -- an expired TOTP code, at the console's sign-in and at POST /auth/staff-token -------------


def _last_step(engine: Engine, staff_id: int) -> int | None:
    with Session(engine) as session:
        account = session.get(StaffAccount, staff_id)
        assert account is not None
        return account.totp_last_step


def test_an_expired_code_at_the_console_is_audited_with_its_code(
    app: FastAPI, engine: Engine, settings: Settings
) -> None:
    operator = make_staff(engine, settings, "operator")
    browser = TestClient(app)
    password_step(browser, operator)
    page = browser.get("/console/sign-in/code")
    before = _last_step(engine, operator.id)
    sent = browser.post(
        "/console/sign-in/code", data={"csrf": csrf_of(page.text), "code": operator.code(-3)}
    )
    assert sent.status_code == 401 and 'data-code="totp_invalid"' in sent.text
    (event,) = _events(engine, "console.totp_failed", f"staff:{operator.id}")
    assert (event.actor, event.reason) == (f"staff:{operator.id}", "totp_invalid")
    assert _last_step(engine, operator.id) == before
    assert not _events(engine, "console.signed_in", f"staff:{operator.id}")
    # The session still waits for a code, and the code the app shows now is taken.
    ok = browser.post(
        "/console/sign-in/code",
        data={"csrf": csrf_of(browser.get("/console/sign-in/code").text), "code": operator.code()},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_an_expired_code_at_staff_token_gets_no_token_and_is_audited(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    staff = make_staff(engine, settings, "operator")
    before = _last_step(engine, staff.id)
    sent = client.post(
        "/auth/staff-token",
        json={"login": staff.login, "password": staff.password, "code": staff.code(-3)},
    )
    problem(sent, 401, "totp_invalid")
    (event,) = _events(engine, "staff.api_totp_failed", f"staff:{staff.id}")
    assert (event.actor, event.reason) == (f"staff:{staff.id}", "totp_invalid")
    assert _last_step(engine, staff.id) == before
    assert not _events(engine, "staff.api_token", f"staff:{staff.id}")


# -- the operator reads these attempts in words ----------------------------------------------


def test_the_audit_page_names_refused_attempts_in_both_languages(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    sid = _stored_clash(engine, client, admin)
    problem(
        client.post(f"/standards/{sid}/versions/1/submit", headers=admin),
        422,
        "standard_contradiction",
    )
    operator = make_staff(engine, settings, "operator")
    browser = TestClient(app)
    sign_in(browser, operator)
    target = {"target": f"standard:{sid}@1"}
    zh = browser.get("/console/audit", params=target)
    assert zh.status_code == 200
    assert 'data-action="standard.refused.standard_contradiction"' in zh.text
    assert "标准草案被拒绝：其规则相互矛盾" in zh.text and "standard_contradiction" in zh.text
    browser.cookies.set("cb_lang", "en")
    en = browser.get("/console/audit", params=target)
    assert "Standard draft refused: its rules contradict each other" in en.text
    # A family names a refusal that has no words of its own.
    families = browser.get("/console/audit", params={"action": "import_job.refused."})
    assert families.status_code == 200 and "CSV upload refused" in families.text
