"""The reviewer's queue in the console: scope, approve / reject / more material, the committee."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.bank import ledger
from issuer.conversion import recognitions
from issuer.core.settings import Settings
from issuer.models import AuditEvent, CommitteeCase
from tests.issuer.committee_factories import panel, trio
from tests.issuer.factories import create_learner, new_code
from tests.issuer.staff_factories import (
    StaffMember,
    csrf_of,
    held_vocational_cert,
    make_staff,
    make_unit,
    school_in,
    sign_in,
)

pytestmark = pytest.mark.db

_serial = iter(range(1, 10_000))


@pytest.fixture(scope="module")
def centres(engine: Engine) -> tuple[int, int]:
    province = make_unit(engine, "province", None, "河南省中心")
    return make_unit(engine, "sub_centre", province, "郑州"), make_unit(
        engine, "sub_centre", province, "洛阳"
    )


@pytest.fixture(scope="module")
def zhengzhou_school(
    client: TestClient, admin: dict[str, str], centres: tuple[int, int]
) -> dict[str, Any]:
    return school_in(client, admin, centres[0])


def _reviewer(
    app: FastAPI, engine: Engine, settings: Settings, centre: int
) -> tuple[TestClient, StaffMember]:
    member = make_staff(engine, settings, "reviewer", centre_id=centre)
    browser = TestClient(app)
    sign_in(browser, member)
    return browser, member


def _held(
    client: TestClient, inst: dict[str, Any], kind: str = "vocational_cert"
) -> dict[str, Any]:
    """A learner and their recognition held for review (24 half-credits, or work experience)."""
    learner = create_learner(client, inst["headers"])
    if kind == "vocational_cert":
        return {
            "learner": learner,
            "recognition": held_vocational_cert(client, inst, learner["id"]),
        }
    n = next(_serial)
    body = {
        "kind": "work_experience",
        "occupation_name": "农业经理人",
        "months": 24,
        "employer": "某农业合作社",
        "attestation": f"合作社证明 2025-{n:03d}",
        "completed_on": "2025-01-31",
    }
    response = client.post(
        f"/learners/{learner['id']}/achievements", json=body, headers=inst["headers"]
    )
    assert response.status_code == 201, response.text
    recognition: dict[str, Any] = response.json()["recognition"]
    assert recognition["status"] == "pending_review"
    return {"learner": learner, "recognition": recognition}


def _post(browser: TestClient, rid: int, action: str, **data: str) -> Any:
    page = browser.get(f"/console/review/{rid}")
    assert page.status_code == 200, page.text
    return browser.post(
        f"/console/review/{rid}/{action}",
        data={"csrf": csrf_of(page.text), **data},
        follow_redirects=False,
    )


def _events(engine: Engine, action: str, subject: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent).where(
                    col(AuditEvent.action) == action, col(AuditEvent.subject) == subject
                )
            )
        )


def test_zhengzhou_reviewer_approves_and_the_credits_are_deposited(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    centres: tuple[int, int],
    zhengzhou_school: dict[str, Any],
) -> None:
    held = _held(client, zhengzhou_school)
    rid = held["recognition"]["id"]
    browser, member = _reviewer(app, engine, settings, centres[0])
    queue = browser.get("/console/review")
    assert queue.status_code == 200
    assert f'id="recognition-{rid}"' in queue.text
    detail = browser.get(f"/console/review/{rid}")
    assert "工业机器人系统运维员" in detail.text  # the evidence
    assert held["recognition"]["explanation_zh"] in detail.text
    done = _post(browser, rid, "approve")
    assert done.status_code == 303
    assert done.headers["location"] == "/console/review?done=deposited"
    with Session(engine) as session:
        row = recognitions.get(session, rid)
        assert row.status == "recognised" and row.decided_by == f"staff:{member.id}"
        (entry,) = ledger.entries(session, held["learner"]["id"])
        assert entry.half_credits == 24 and row.ledger_entry_id == entry.id
    (event,) = _events(engine, "review.approve", f"recognition:{rid}")
    assert event.actor == f"staff:{member.id}"
    # It has left the queue; a second approval is refused, nothing deposited twice.
    assert f'id="recognition-{rid}"' not in browser.get("/console/review").text
    again = _post(browser, rid, "approve")
    assert again.status_code == 409 and 'data-code="recognition_decided"' in again.text


def test_luoyang_reviewer_is_out_of_scope_and_it_is_audited(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    centres: tuple[int, int],
    zhengzhou_school: dict[str, Any],
) -> None:
    rid = _held(client, zhengzhou_school)["recognition"]["id"]
    zhengzhou, _ = _reviewer(app, engine, settings, centres[0])
    luoyang, member = _reviewer(app, engine, settings, centres[1])
    assert f'id="recognition-{rid}"' not in luoyang.get("/console/review").text
    page = luoyang.get(f"/console/review/{rid}")
    assert page.status_code == 403 and 'data-code="out_of_scope"' in page.text
    # A forged post (with the Luoyang session's own token) changes nothing.
    token = csrf_of(luoyang.get("/console/review").text)
    refused = luoyang.post(
        f"/console/review/{rid}/approve", data={"csrf": token}, follow_redirects=False
    )
    assert refused.status_code == 403 and 'data-code="out_of_scope"' in refused.text
    with Session(engine) as session:
        assert recognitions.get(session, rid).status == "pending_review"
    events = _events(engine, "console.refused.out_of_scope", f"/console/review/{rid}/approve")
    assert [e.actor for e in events] == [f"staff:{member.id}"]
    assert not _events(engine, "review.approve", f"recognition:{rid}")
    assert f'id="recognition-{rid}"' in zhengzhou.get("/console/review").text


def test_reject_needs_a_reason_and_releases_nothing_into_the_account(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    centres: tuple[int, int],
    zhengzhou_school: dict[str, Any],
) -> None:
    held = _held(client, zhengzhou_school)
    rid = held["recognition"]["id"]
    browser, member = _reviewer(app, engine, settings, centres[0])
    blank = _post(browser, rid, "reject", reason="   ")
    assert blank.status_code == 422 and 'data-code="invalid_request"' in blank.text
    with Session(engine) as session:
        assert recognitions.get(session, rid).status == "pending_review"
    done = _post(browser, rid, "reject", reason="证书编号与鉴定中心记录不符")
    assert done.headers["location"] == "/console/review?done=rejected"
    with Session(engine) as session:
        row = recognitions.get(session, rid)
        assert row.status == "rejected" and row.reason == "证书编号与鉴定中心记录不符"
        assert ledger.entries(session, held["learner"]["id"]) == []
    (event,) = _events(engine, "review.reject", f"recognition:{rid}")
    assert event.actor == f"staff:{member.id}" and event.reason == "证书编号与鉴定中心记录不符"


def test_more_material_keeps_it_open_then_approval_deposits(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    centres: tuple[int, int],
    zhengzhou_school: dict[str, Any],
) -> None:
    held = _held(client, zhengzhou_school)
    rid = held["recognition"]["id"]
    browser, _ = _reviewer(app, engine, settings, centres[0])
    done = _post(browser, rid, "more-material", reason="请补充证书扫描件")
    assert done.headers["location"] == "/console/review?done=more_material"
    with Session(engine) as session:
        assert recognitions.get(session, rid).status == "more_material"
    assert f'id="recognition-{rid}"' in browser.get("/console/review").text
    assert "请补充证书扫描件" in browser.get(f"/console/review/{rid}").text
    assert _events(engine, "review.more_material", f"recognition:{rid}")
    assert _post(browser, rid, "approve").headers["location"].endswith("deposited")
    with Session(engine) as session:
        assert recognitions.get(session, rid).status == "recognised"


def test_work_experience_goes_to_the_committee_not_the_account(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    admin: dict[str, str],
    centres: tuple[int, int],
    zhengzhou_school: dict[str, Any],
) -> None:
    panel(client, admin, "review", trio(client, admin))
    held = _held(client, zhengzhou_school, "work_experience")
    rid = held["recognition"]["id"]
    browser, _ = _reviewer(app, engine, settings, centres[0])
    page = browser.get(f"/console/review/{rid}")
    assert 'id="committee"' in page.text and 'id="approve"' not in page.text
    # The case was opened when the claim was recorded: the reviewer cannot decide it.
    token = csrf_of(page.text)
    for action in ("approve", "reject", "more-material"):
        refused = browser.post(
            f"/console/review/{rid}/{action}",
            data={"csrf": token, "reason": "x"},
            follow_redirects=False,
        )
        if action == "approve":
            # Forwarding what is already before the committee is harmless and audited.
            assert refused.headers["location"].endswith("forwarded")
        else:
            assert refused.status_code == 409 and 'data-code="conflict"' in refused.text
    with Session(engine) as session:
        assert recognitions.get(session, rid).status == "pending_review"
        assert ledger.entries(session, held["learner"]["id"]) == []
        cases = session.exec(
            select(CommitteeCase).where(col(CommitteeCase.subject) == f"recognition:{rid}")
        ).all()
        assert len(cases) == 1


def test_above_threshold_is_not_sent_to_the_committee_automatically(
    client: TestClient, admin: dict[str, str], engine: Engine, zhengzhou_school: dict[str, Any]
) -> None:
    panel(client, admin, "review", trio(client, admin))
    rid = _held(client, zhengzhou_school)["recognition"]["id"]
    with Session(engine) as session:
        assert not session.exec(
            select(CommitteeCase).where(col(CommitteeCase.subject) == f"recognition:{rid}")
        ).all()


def test_registrar_cannot_open_the_queue(
    app: FastAPI, engine: Engine, settings: Settings, zhengzhou_school: dict[str, Any]
) -> None:
    member = make_staff(engine, settings, "registrar", institution_id=zhengzhou_school["id"])
    browser = TestClient(app)
    sign_in(browser, member)
    page = browser.get("/console/review")
    assert page.status_code == 403 and 'data-code="forbidden"' in page.text


def test_the_learner_sees_the_request_for_material_in_the_portal(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    admin: dict[str, str],
    centres: tuple[int, int],
    zhengzhou_school: dict[str, Any],
) -> None:
    held = _held(client, zhengzhou_school)
    rid = held["recognition"]["id"]
    browser, _ = _reviewer(app, engine, settings, centres[0])
    _post(browser, rid, "more-material", reason="请补充证书扫描件")
    learner_id = held["learner"]["id"]
    password = "correct horse battery staple"
    response = client.put(
        f"/learners/{learner_id}/password", json={"password": password}, headers=admin
    )
    assert response.status_code == 204, response.text
    portal = TestClient(app)
    page = portal.get("/portal/sign-in")
    signed = portal.post(
        "/portal/sign-in",
        data={"csrf": csrf_of(page.text), "learner_id": str(learner_id), "password": password},
        follow_redirects=True,
    )
    assert signed.status_code == 200, signed.text
    account = portal.get("/portal/account").text
    assert f'id="review-{rid}"' in account
    assert "请补充证书扫描件" in account and "需补充材料" in account


def test_an_unattached_institution_belongs_to_the_provincial_centre(
    app: FastAPI,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    admin: dict[str, str],
    centres: tuple[int, int],
) -> None:
    code = new_code("UA")
    response = client.post(
        "/institutions",
        json={
            "code": code,
            "name_zh": f"未挂靠{code}",
            "name_en": f"Unattached {code}",
            "kind": "training_body",
        },
        headers=admin,
    )
    school = {
        **response.json(),
        "headers": {"Authorization": f"Bearer {response.json()['api_key']}"},
    }
    rid = _held(client, school)["recognition"]["id"]
    province = make_unit(engine, "province", None)
    provincial, _ = _reviewer(app, engine, settings, province)
    zhengzhou, _ = _reviewer(app, engine, settings, centres[0])
    assert f'id="recognition-{rid}"' in provincial.get("/console/review").text
    assert f'id="recognition-{rid}"' not in zhengzhou.get("/console/review").text
    assert zhengzhou.get(f"/console/review/{rid}").status_code == 403
    assert _post(provincial, rid, "approve").headers["location"].endswith("deposited")
