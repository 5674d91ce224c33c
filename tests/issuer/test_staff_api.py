"""Staff over the JSON API: ``POST /auth/staff-token``, and each role acting in its scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core import security
from issuer.core.settings import Settings
from issuer.models import AuditEvent, StaffAccount, utcnow
from tests.issuer.factories import create_learner, new_national_id
from tests.issuer.staff_factories import (
    api_token,
    held_vocational_cert,
    make_staff,
    make_unit,
    school_in,
)

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def centres(engine: Engine) -> tuple[int, int]:
    province = make_unit(engine, "province", None, "河南省中心")
    return make_unit(engine, "sub_centre", province, "郑州"), make_unit(
        engine, "sub_centre", province, "洛阳"
    )


def _events(engine: Engine, action: str, actor: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent).where(
                    col(AuditEvent.action) == action, col(AuditEvent.actor) == actor
                )
            )
        )


def test_a_wrong_password_or_code_gets_no_token_and_is_audited(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    member = make_staff(engine, settings, "operator")
    wrong = client.post(
        "/auth/staff-token",
        json={"login": member.login, "password": "not the password", "code": member.code()},
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthenticated"
    unknown = client.post(
        "/auth/staff-token", json={"login": "nobody-here", "password": "x", "code": "123456"}
    )
    assert unknown.status_code == 401 and unknown.json()["code"] == "unauthenticated"
    bad_code = client.post(
        "/auth/staff-token",
        json={"login": member.login, "password": member.password, "code": member.code(-20)},
    )
    assert bad_code.status_code == 401 and bad_code.json()["code"] == "totp_invalid"
    assert _events(engine, "staff.api_totp_failed", f"staff:{member.id}")

    headers = api_token(client, member)
    # The same code a second time is a replay.
    again = client.post(
        "/auth/staff-token",
        json={"login": member.login, "password": member.password, "code": member.code()},
    )
    assert again.status_code == 401 and again.json()["code"] == "totp_invalid"
    assert _events(engine, "staff.api_token", f"staff:{member.id}")
    assert client.get("/audit", headers=headers).status_code == 200


def test_unenrolled_accounts_enrol_in_the_console_first(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    member = make_staff(engine, settings, "operator", enrolled=False)
    response = client.post(
        "/auth/staff-token",
        json={"login": member.login, "password": member.password, "code": "123456"},
    )
    assert response.status_code == 401 and response.json()["code"] == "totp_invalid"


def test_an_operator_token_does_what_the_operator_does_and_is_named_in_the_audit(
    client: TestClient, engine: Engine, settings: Settings, centres: tuple[int, int]
) -> None:
    member = make_staff(engine, settings, "operator")
    headers = api_token(client, member)
    body = {
        "code": f"OPAPI{member.id}",
        "name_zh": "运营接口学院",
        "name_en": "Operator API College",
        "kind": "university",
        "centre_id": centres[0],
    }
    created = client.post("/institutions", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert _events(engine, "institution.create", f"staff:{member.id}")
    logins: list[str] = []
    while True:  # every page of the staff list
        listed = client.get("/staff", params={"limit": 200, "offset": len(logins)}, headers=headers)
        assert listed.status_code == 200, listed.text
        logins += [item["login"] for item in listed.json()["items"]]
        if len(logins) >= listed.json()["total"]:
            break
    assert member.login in logins


def test_staff_tokens_expire_stop_with_the_account_and_are_no_learner_tokens(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    member = make_staff(engine, settings, "operator")
    expired = security.issue_staff_token(
        settings, member.id, now=utcnow() - timedelta(minutes=settings.staff_idle_minutes + 1)
    )
    response = client.get("/audit", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and "expired" in response.json()["detail"]

    # A learner token with its prefix changed is not a staff token of the same number.
    learner_token = security.issue_token(settings, member.id)
    forged = security.STAFF_TOKEN_PREFIX + learner_token[len(security.TOKEN_PREFIX) :]
    response = client.get("/audit", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"

    headers = api_token(client, member)
    with Session(engine) as session:
        row = session.get(StaffAccount, member.id)
        assert row is not None
        row.active = False
        session.add(row)
        session.commit()
    response = client.get("/audit", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_reviewer_works_the_queue_of_their_centre_only(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    centres: tuple[int, int],
) -> None:
    zhengzhou, luoyang = centres
    school = school_in(client, admin, zhengzhou)
    learner = create_learner(client, school["headers"])
    first = held_vocational_cert(client, school, learner["id"])
    second = held_vocational_cert(client, school, create_learner(client, school["headers"])["id"])

    reviewer = make_staff(engine, settings, "reviewer", centre_id=zhengzhou)
    headers = api_token(client, reviewer)
    queue = client.get("/reviews", params={"limit": 200}, headers=headers)
    assert queue.status_code == 200, queue.text
    ids = {item["recognition"]["id"] for item in queue.json()["items"]}
    assert {first["id"], second["id"]} <= ids and queue.json()["total"] >= 2
    one = client.get(f"/reviews/{first['id']}", headers=headers).json()
    assert one["achievement_kind"] == "vocational_cert" and one["institution"] == school["code"]
    assert one["evidence"]["certifying_body"] == "郑州市职业技能鉴定中心"

    other = make_staff(engine, settings, "reviewer", centre_id=luoyang)
    other_headers = api_token(client, other)
    assert first["id"] not in {
        item["recognition"]["id"]
        for item in client.get("/reviews", params={"limit": 200}, headers=other_headers).json()[
            "items"
        ]
    }
    refused = client.post(f"/reviews/{first['id']}/approve", headers=other_headers)
    assert refused.status_code == 403 and refused.json()["code"] == "out_of_scope"
    assert _events(engine, "review.refused.out_of_scope", f"staff:{other.id}")

    no_reason = client.post(f"/reviews/{second['id']}/reject", json={}, headers=headers)
    assert no_reason.status_code == 422
    approved = client.post(f"/reviews/{first['id']}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["outcome"] == "deposited"
    assert _events(engine, "review.approve", f"staff:{reviewer.id}")
    account = client.get(f"/learners/{learner['id']}/account", headers=admin).json()
    assert account["balance"] > 0
    sent_back = client.post(
        f"/reviews/{second['id']}/more-material",
        json={"reason": "请补充证书照片"},
        headers=headers,
    )
    assert sent_back.status_code == 200 and sent_back.json()["outcome"] == "more_material"
    rejected = client.post(
        f"/reviews/{second['id']}/reject", json={"reason": "证书编号查无此证"}, headers=headers
    )
    assert rejected.status_code == 200 and rejected.json()["outcome"] == "rejected"
    assert rejected.json()["review"]["recognition"]["status"] == "rejected"


def test_roles_act_as_what_they_are_and_nothing_else(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    centres: tuple[int, int],
) -> None:
    university = school_in(client, admin, centres[0], kind="university")
    registrar = make_staff(engine, settings, "registrar", institution_id=university["id"])
    headers = api_token(client, registrar)
    applications = client.get("/transfer-applications", headers=headers)
    assert applications.status_code == 200, applications.text
    # A registrar is not the operator, nor a reviewer.
    assert client.get("/audit", headers=headers).status_code == 403
    assert client.get("/reviews", headers=headers).json()["code"] == "forbidden"

    clerk = make_staff(engine, settings, "institution", institution_id=university["id"])
    clerk_headers = api_token(client, clerk)
    opened = client.post(
        "/learners",
        json={"name": "接口学员", "national_id": new_national_id()},
        headers=clerk_headers,
    )
    assert opened.status_code == 201, opened.text
    assert client.get("/audit", headers=clerk_headers).status_code == 403

    expert = make_staff(engine, settings, "committee")
    made = client.post(
        "/committee/members",
        json={"name": "接口委员", "category": "industry", "staff_id": expert.id},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    member_headers = api_token(client, expert)
    cases = client.get("/committee/cases", headers=member_headers)
    assert cases.status_code == 200, cases.text

    reviewer = make_staff(engine, settings, "reviewer", centre_id=centres[1])
    reviewer_headers = api_token(client, reviewer)
    assert client.get("/committee/cases", headers=reviewer_headers).status_code == 403
    assert client.post("/institutions", json={}, headers=reviewer_headers).status_code in (
        403,
        422,
    )


def test_reviews_need_a_staff_token(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/reviews", headers=admin)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert client.get("/reviews").json()["code"] == "unauthenticated"
