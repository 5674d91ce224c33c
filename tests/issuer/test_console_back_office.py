"""The operator's back-office pages: audit trail, learners, credentials, keys, statistics."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.bank import statistics
from issuer.core import audit
from issuer.core.settings import Settings
from issuer.models import AuditEvent, Credential, Institution
from tests.issuer.factories import create_institution, new_national_id
from tests.issuer.staff_factories import StaffMember, csrf_of, make_staff, make_unit, sign_in
from tests.issuer.test_certificate import issue_credential

pytestmark = pytest.mark.db


@pytest.fixture()
def operator(app: FastAPI, engine: Engine, settings: Settings) -> tuple[TestClient, StaffMember]:
    member = make_staff(engine, settings, "operator")
    browser = TestClient(app)
    sign_in(browser, member)
    return browser, member


def _rows(csv_body: bytes) -> list[dict[str, str]]:
    text = csv_body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _open_learner(
    client: TestClient, inst: dict[str, Any], name: str
) -> tuple[dict[str, Any], str]:
    number = new_national_id()
    response = client.post(
        "/learners", json={"name": name, "national_id": number}, headers=inst["headers"]
    )
    assert response.status_code == 201, response.text
    return response.json(), number


def test_audit_page_shows_filters_and_exports_the_same_events(
    operator: tuple[TestClient, StaffMember], client: TestClient, admin: dict[str, str]
) -> None:
    browser, _ = operator
    school = create_institution(client, admin)
    learner, _ = _open_learner(client, school, "审计页学员")
    target = f"learner:{learner['id']}"

    page = browser.get("/console/audit", params={"target": target})
    assert page.status_code == 200
    assert "开设学习者账户" in page.text  # the action in words, Chinese first
    assert 'data-action="learner.create"' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert f'href="/console/audit.csv?target={target.replace(":", "%3A")}"' in page.text

    exported = browser.get("/console/audit.csv", params={"target": target})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = _rows(exported.content)
    assert [r["action"] for r in rows] == ["learner.create"]
    assert rows[0]["subject"] == target

    by_action = browser.get("/console/audit", params={"action": "institution.", "actor": "admin"})
    assert 'data-action="institution.create"' in by_action.text
    assert 'data-action="learner.create"' not in by_action.text

    bad = browser.get("/console/audit", params={"from": "2026-13-40"})
    assert bad.status_code == 200 and 'data-code="invalid_filter"' in bad.text
    refused_csv = browser.get("/console/audit.csv", params={"from": "yesterday"})
    assert refused_csv.status_code == 422 and 'data-code="invalid_filter"' in refused_csv.text


def test_audit_page_names_staff_actors_and_pages(
    operator: tuple[TestClient, StaffMember], engine: Engine
) -> None:
    browser, member = operator
    # The sign-in itself is in the trail, under the member's name.
    page = browser.get("/console/audit", params={"actor": f"staff:{member.id}"})
    assert f"测试{member.login}" in page.text
    assert 'data-action="console.password_ok"' in page.text
    actor = f"pagination-{member.id}"
    with Session(engine) as session:
        for n in range(53):
            audit.record(session, actor=actor, action="test.paged", subject=f"n:{n}", payload=n)
        session.commit()
    first = browser.get("/console/audit", params={"actor": actor})
    assert '<span class="muted">(53)</span>' in first.text
    assert first.text.count('<tr id="event-') == 50
    assert 'id="next"' in first.text and 'id="previous"' not in first.text
    second = browser.get("/console/audit", params={"actor": actor, "offset": 50})
    assert second.text.count('<tr id="event-') == 3 and 'id="previous"' in second.text
    assert f'href="/console/audit?actor={actor}&amp;offset=0"' in second.text
    assert ">test.paged<" in second.text  # an action without words is shown as its code


def test_learner_search_by_name_masked_and_full_id(
    operator: tuple[TestClient, StaffMember], client: TestClient, admin: dict[str, str]
) -> None:
    browser, _ = operator
    school = create_institution(client, admin)
    learner, number = _open_learner(client, school, "控制台欧阳")

    by_name = browser.get("/console/learners", params={"name": "控制台欧"})
    assert f'id="learner-{learner["id"]}"' in by_name.text
    tail = learner["national_id_masked"][-4:]
    by_mask = browser.get("/console/learners", params={"masked": tail})
    assert f'id="learner-{learner["id"]}"' in by_mask.text

    form = browser.get("/console/learners")
    found = browser.post(
        "/console/learners/search",
        data={"csrf": csrf_of(form.text), "national_id": number},
    )
    assert found.status_code == 200 and f'id="learner-{learner["id"]}"' in found.text
    assert number not in found.text  # never echoed back

    invalid = browser.post(
        "/console/learners/search", data={"csrf": csrf_of(form.text), "national_id": "12345"}
    )
    assert invalid.status_code == 422 and 'data-code="invalid_national_id"' in invalid.text
    assert "12345" not in invalid.text

    audited = browser.get("/console/audit", params={"action": "learner.id_searched"})
    assert f"learner:{learner['id']}" in audited.text


def test_learner_search_by_id_needs_the_csrf_token(
    operator: tuple[TestClient, StaffMember],
) -> None:
    browser, _ = operator
    refused = browser.post(
        "/console/learners/search", data={"csrf": "forged", "national_id": new_national_id()}
    )
    assert refused.status_code == 403 and 'data-code="csrf_failed"' in refused.text


def test_learner_account_view_shows_balances_entries_and_credentials(
    operator: tuple[TestClient, StaffMember],
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
) -> None:
    browser, _ = operator
    learner, credential = issue_credential(client, admin, inst_a)
    page = browser.get(f"/console/learners/{learner['id']}")
    assert page.status_code == 200
    assert f'id="credential-{credential["jti"]}"' in page.text
    assert 'id="balance"' in page.text and 'id="entries"' in page.text
    assert browser.get("/console/learners/999999999").status_code == 404


def test_credential_suspended_with_a_reason_then_reinstated_and_revoked(
    operator: tuple[TestClient, StaffMember],
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
) -> None:
    browser, member = operator
    learner, issued = issue_credential(client, admin, inst_a)
    jti = issued["jti"]
    listed = browser.get("/console/credentials", params={"learner": learner["id"]})
    assert f'id="credential-{jti}"' in listed.text

    page = browser.get(f"/console/credentials/{jti}")
    csrf = csrf_of(page.text)
    no_reason = browser.post(
        f"/console/credentials/{jti}/status", data={"csrf": csrf, "status": "suspended"}
    )
    assert no_reason.status_code == 422 and 'data-code="reason_required"' in no_reason.text

    done = browser.post(
        f"/console/credentials/{jti}/status",
        data={"csrf": csrf, "status": "suspended", "reason": "证书信息待核实"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = browser.get(done.headers["location"])
    assert 'data-status="suspended"' in shown.text and "证书信息待核实" in shown.text
    assert f"测试{member.login}" in shown.text  # the change names the staff member
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == "credential.suspended")
            .where(col(AuditEvent.subject) == f"credential:{jti}"[:64])
        ).one()
        assert event.actor == f"staff:{member.id}" and event.reason == "证书信息待核实"

    unrelated = browser.post(
        f"/console/credentials/{jti}/status",
        data={"csrf": csrf, "status": "revoked", "reason": "r", "case_id": "999999"},
    )
    assert unrelated.status_code == 404 and 'data-code="not_found"' in unrelated.text

    revoked = browser.post(
        f"/console/credentials/{jti}/status",
        data={"csrf": csrf, "status": "revoked", "reason": "伪造"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    again = browser.post(
        f"/console/credentials/{jti}/status",
        data={"csrf": csrf, "status": "active", "reason": "误操作"},
    )
    assert again.status_code == 409 and 'data-code="credential_revoked"' in again.text
    with Session(engine) as session:
        assert session.exec(select(Credential).where(col(Credential.jti) == jti)).one().status == (
            "revoked"
        )


def test_credential_status_form_needs_the_csrf_token(
    operator: tuple[TestClient, StaffMember],
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
) -> None:
    browser, _ = operator
    _, issued = issue_credential(client, admin, inst_a)
    refused = browser.post(
        f"/console/credentials/{issued['jti']}/status",
        data={"csrf": "nope", "status": "revoked", "reason": "x"},
    )
    assert refused.status_code == 403 and 'data-code="csrf_failed"' in refused.text
    with Session(engine) as session:
        row = session.exec(select(Credential).where(col(Credential.jti) == issued["jti"])).one()
        assert row.status == "active"


def test_credentials_filter_refuses_an_unknown_status(
    operator: tuple[TestClient, StaffMember],
) -> None:
    browser, _ = operator
    page = browser.get("/console/credentials", params={"status": "lost"})
    assert 'data-code="invalid_filter"' in page.text


def test_keys_page_and_bundle_download(operator: tuple[TestClient, StaffMember]) -> None:
    browser, member = operator
    page = browser.get("/console/keys")
    assert page.status_code == 200
    assert 'data-purpose="anchor"' in page.text and 'data-purpose="signing"' in page.text
    assert 'id="next-update"' in page.text
    assert "PRIVATE" not in page.text and '"d"' not in page.text
    bundle = browser.get("/console/keys/trust-bundle.json")
    assert bundle.status_code == 200
    assert bundle.headers["content-disposition"] == 'attachment; filename="trust-bundle.json"'
    served = browser.get("/trust-bundle")
    # The same signed document the public route serves, and the page names its ETag.
    assert bundle.text == served.text
    assert served.headers["etag"].strip('"') in page.text
    audited = browser.get("/console/audit", params={"action": "trust_bundle.exported"})
    assert f"测试{member.login}" in audited.text


def test_statistics_page_charts_table_and_csv(
    operator: tuple[TestClient, StaffMember],
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
) -> None:
    browser, _ = operator
    issue_credential(client, admin, inst_a)
    page = browser.get("/console/statistics")
    assert page.status_code == 200
    for name in ("credits", "deposits", "applications", "credentials", "accounts", "transfers"):
        assert f'src="/console/statistics/charts/{name}.svg"' in page.text
    assert f'data-group="{inst_a["code"]}"' in page.text
    chart = browser.get("/console/statistics/charts/credits.svg")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in chart.content and b"<script" not in chart.content
    assert browser.get("/console/statistics/charts/nope.svg").status_code == 404
    exported = browser.get("/console/statistics.csv", params={"by": "centre"})
    rows = _rows(exported.content)
    assert rows and inst_a["code"] not in {r["group"] for r in rows}  # centres, not institutions
    assert statistics.NO_CENTRE in {r["group"] for r in rows}  # inst_a has no centre
    bad = browser.get("/console/statistics", params={"from": "2026-1"})
    assert 'data-code="invalid_filter"' in bad.text


def test_statistics_by_centre_groups_institutions_under_their_centre(
    operator: tuple[TestClient, StaffMember],
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
) -> None:
    browser, _ = operator
    province = make_unit(engine, "province", None)
    centre = make_unit(engine, "sub_centre", province)
    school = create_institution(client, admin)
    attached = client.put(
        f"/institutions/{school['id']}/centre", json={"centre_id": centre}, headers=admin
    )
    assert attached.status_code == 200, attached.text
    _open_learner(client, school, "分中心学员")
    with Session(engine) as session:
        groups = statistics.centre_groups(session)
        code = session.exec(select(Institution).where(col(Institution.id) == school["id"])).one()
        from issuer.models import OrgUnit

        unit = session.get(OrgUnit, centre)
        assert unit is not None and groups[code.id or 0] == unit.code
    page = browser.get("/console/statistics", params={"by": "centre", "only": unit.code})
    assert f'data-group="{unit.code}"' in page.text
    api = client.get("/statistics", params={"by": "centre"}, headers=admin)
    assert api.status_code == 200
    assert any(r["group"] == unit.code for r in api.json()["rows"])
    mixed = client.get("/statistics", params={"by": "centre", "institution": "X"}, headers=admin)
    assert mixed.status_code == 422 and mixed.json()["code"] == "invalid_filter"


def test_a_reviewer_cannot_open_the_back_office_pages(
    app: FastAPI, engine: Engine, settings: Settings
) -> None:
    province = make_unit(engine, "province", None)
    reviewer = make_staff(engine, settings, "reviewer", centre_id=province)
    browser = TestClient(app)
    sign_in(browser, reviewer)
    for path in (
        "/console/audit",
        "/console/audit.csv",
        "/console/learners",
        "/console/learners/1",
        "/console/credentials",
        "/console/keys",
        "/console/keys/trust-bundle.json",
        "/console/statistics",
        "/console/statistics.csv",
    ):
        refused = browser.get(path)
        assert refused.status_code == 403 and 'data-code="forbidden"' in refused.text, path


def test_a_centre_manager_sees_only_their_centre_statistics(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
) -> None:
    province = make_unit(engine, "province", None)
    centre = make_unit(engine, "sub_centre", province)
    school = create_institution(client, admin)
    client.put(f"/institutions/{school['id']}/centre", json={"centre_id": centre}, headers=admin)
    _open_learner(client, school, "本中心学员")
    _open_learner(client, inst_a, "别处学员")
    manager = make_staff(engine, settings, "centre_manager", centre_id=centre)
    browser = TestClient(app)
    sign_in(browser, manager)
    page = browser.get("/console/statistics")
    assert page.status_code == 200
    assert f'data-group="{school["code"]}"' in page.text
    assert f'data-group="{inst_a["code"]}"' not in page.text
    assert 'data-group="direct"' not in page.text
    outside = browser.get("/console/statistics", params={"only": inst_a["code"]})
    assert 'data-code="invalid_filter"' in outside.text
    rows = _rows(browser.get("/console/statistics.csv").content)
    assert rows and {r["group"] for r in rows} == {school["code"]}


def test_the_audit_trail_tells_a_learners_whole_story(
    operator: tuple[TestClient, StaffMember],
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
) -> None:
    browser, _ = operator
    learner, issued = issue_credential(client, admin, inst_a, titles=("机械制图",))
    story = browser.get("/console/audit", params={"target": f"learner:{learner['id']}"})
    actions = [a for a in ("learner.create", "achievement.record") if f'"{a}"' in story.text]
    assert actions == ["learner.create", "achievement.record"]
    assert "记录成果并存入学分" in story.text and f"institution:{inst_a['code']}" in story.text
    issued_event = browser.get(
        "/console/audit", params={"target": f"credential:{issued['jti']}"[:64]}
    )
    assert 'data-action="credential.issue"' in issued_event.text
