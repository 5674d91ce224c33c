"""The operator's standards editor: draft from the one in force, edit a rule in a form,
contradictions refused and audited, diff and preview, effective date, submit for approval."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.conversion import standards
from issuer.core.settings import Settings
from issuer.models import AuditEvent
from tests.issuer.committee_factories import panel, trio
from tests.issuer.factories import problem
from tests.issuer.staff_factories import csrf_of, make_staff, sign_in
from tests.issuer.test_standards import draft_body

pytestmark = pytest.mark.db


@pytest.fixture()
def operator(app: FastAPI, engine: Engine, settings: Settings) -> TestClient:
    browser = TestClient(app)
    sign_in(browser, make_staff(engine, settings, "operator"))
    return browser


def _effective(client: TestClient, admin: dict[str, str]) -> str:
    """A new standard in force today (approved by a fresh standards panel)."""
    board = trio(client, admin)
    panel(client, admin, "standards", board)
    sid = f"TS-{uuid.uuid4().hex[:8].upper()}"
    client.post("/standards", json=draft_body(sid, f"工种{sid}"), headers=admin)
    case = client.post(f"/committee/standards/{sid}/versions/1/review", json={}, headers=admin)
    for who in board:
        voted = client.post(
            f"/committee/cases/{case.json()['id']}/votes",
            json={"choice": "approve"},
            headers=who["headers"],
        )
        assert voted.status_code == 201, voted.text
    return sid


def _post(browser: TestClient, page_path: str, action: str, **data: str) -> Any:
    page = browser.get(page_path)
    assert page.status_code == 200, page.text
    return browser.post(action, data={"csrf": csrf_of(page.text), **data}, follow_redirects=False)


def _rule_form(sid: str, **overrides: str) -> dict[str, str]:
    return {
        "index": "0",
        "id": "occ",
        "kind": "vocational_cert",
        "method": "by_level",
        "label_zh": f"工种{sid}",
        "label_en": "Test occupation",
        "match": f"occupation_name=工种{sid}",
        "levels": "五级=2; 四级=6",
        **overrides,
    }


def test_operator_drafts_edits_previews_dates_and_submits(
    operator: TestClient, client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    sid = _effective(client, admin)
    listing = operator.get("/console/standards")
    assert f'id="draft-{sid}"' in listing.text
    drafted = _post(
        operator,
        "/console/standards",
        f"/console/standards/{sid}/versions/1/draft",
    )
    assert drafted.status_code == 303
    base = f"/console/standards/{sid}/versions/2"
    assert drafted.headers["location"] == base
    edit = operator.get(f"{base}?edit=0")
    assert 'id="rule-levels"' in edit.text and "四级=4" in edit.text
    saved = _post(operator, base, f"{base}/rules", **_rule_form(sid))
    assert saved.status_code == 303, saved.text
    page = operator.get(base).text
    # The diff against the version in force, and the preview of both levels.
    assert "/rules/0/levels/四级" in page
    assert re.search(r'id="preview-1".*?<strong>3</strong>', page, re.S)
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    dated = _post(operator, base, f"{base}/effective-from", effective_from=tomorrow)
    assert dated.status_code == 303
    submitted = _post(operator, base, f"{base}/submit")
    assert submitted.status_code == 303
    with Session(engine) as session:
        row = standards.get_version(session, sid, 2)
        assert row.status == "under_review" and row.effective_from is not None
        assert row.document["rules"][0]["levels"]["四级"] == 6
        actions = [
            e.action
            for e in session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.subject) == f"standard:{sid}@2")
                .order_by(col(AuditEvent.id))
            )
        ]
    assert actions[:3] == ["standard.draft", "standard.edit", "standard.effective_from"]
    assert "case.open" in actions


def test_contradicting_rules_are_refused_nothing_saved_and_audited(
    operator: TestClient, client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    sid = _effective(client, admin)
    _post(operator, "/console/standards", f"/console/standards/{sid}/versions/1/draft")
    base = f"/console/standards/{sid}/versions/2"
    # A second rule matching the same certificates as rule "occ".
    clash = _post(operator, base, f"{base}/rules", **_rule_form(sid, index="", id="occ-2"))
    assert clash.status_code == 422 and 'data-code="standard_contradiction"' in clash.text
    assert "occ" in clash.text and "occ-2" in clash.text
    with Session(engine) as session:
        assert len(standards.get_version(session, sid, 2).document["rules"]) == 1
        refused = session.exec(
            select(AuditEvent).where(
                col(AuditEvent.action) == "console.refused.standard_contradiction"
            )
        ).all()
        assert any(e.subject == f"{base}/rules" for e in refused)
    # Bad numbers and an unknown method: a clear message, nothing saved.
    bad = _post(operator, base, f"{base}/rules", **_rule_form(sid, method="by_level", levels="x"))
    assert bad.status_code == 422 and 'data-code="invalid_request"' in bad.text


def test_the_api_refuses_contradicting_rules_too(client: TestClient, admin: dict[str, str]) -> None:
    sid = f"TS-{uuid.uuid4().hex[:8].upper()}"
    body = draft_body(sid, "车工")
    body["rules"].append({**body["rules"][0], "id": "occ-again"})
    found = problem(
        client.post("/standards", json=body, headers=admin), 422, "standard_contradiction"
    )
    assert "occ-again" in found["detail"]


def test_only_operators_edit_standards(app: FastAPI, engine: Engine, settings: Settings) -> None:
    browser = TestClient(app)
    sign_in(browser, make_staff(engine, settings, "committee"))
    assert 'data-code="forbidden"' in browser.get("/console/standards").text
