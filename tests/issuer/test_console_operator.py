"""The operator's console pages: organisation tree, institutions and their keys, staff."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.models import AuditEvent, Institution, StaffAccount
from tests.issuer.staff_factories import (
    StaffMember,
    csrf_of,
    make_staff,
    make_unit,
    serial,
    sign_in,
)

pytestmark = pytest.mark.db


@pytest.fixture()
def operator_browser(
    app: FastAPI, engine: Engine, settings: Settings
) -> tuple[TestClient, StaffMember]:
    member = make_staff(engine, settings, "operator")
    browser = TestClient(app)
    sign_in(browser, member)
    return browser, member


def _post(browser: TestClient, page_path: str, action: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    page = browser.get(page_path)
    return browser.post(action, data={"csrf": csrf_of(page.text), **data}, follow_redirects=False)


def test_operator_adds_a_sub_centre_under_the_province(
    operator_browser: tuple[TestClient, StaffMember], engine: Engine
) -> None:
    browser, member = operator_browser
    province = make_unit(engine, "province", None)
    code = f"KF{serial()}"
    done = _post(
        browser,
        "/console/organisation",
        "/console/organisation",
        {
            "level": "sub_centre",
            "parent_id": str(province),
            "code": code,
            "name_zh": "开封分中心",
            "name_en": "Kaifeng",
        },
    )
    assert done.status_code == 303
    tree = browser.get(done.headers["location"])
    assert "开封分中心" in tree.text and "单位已添加" in tree.text
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == "org_unit.created")
            .order_by(col(AuditEvent.id).desc())
        ).first()
        assert event is not None and event.actor == f"staff:{member.id}"


def test_a_point_under_the_province_is_refused(
    operator_browser: tuple[TestClient, StaffMember], engine: Engine
) -> None:
    browser, _ = operator_browser
    province = make_unit(engine, "province", None)
    refused = _post(
        browser,
        "/console/organisation",
        "/console/organisation",
        {
            "level": "point",
            "parent_id": str(province),
            "code": f"P{serial()}",
            "name_zh": "点",
            "name_en": "Point",
        },
    )
    assert refused.status_code == 422 and 'data-code="invalid_request"' in refused.text


def test_duplicate_unit_code_is_org_unit_exists(
    operator_browser: tuple[TestClient, StaffMember], engine: Engine
) -> None:
    browser, _ = operator_browser
    province = make_unit(engine, "province", None)
    fields = {
        "level": "sub_centre",
        "parent_id": str(province),
        "code": f"D{serial()}",
        "name_zh": "重复",
        "name_en": "Dup",
    }
    assert (
        _post(browser, "/console/organisation", "/console/organisation", fields).status_code == 303
    )
    again = _post(browser, "/console/organisation", "/console/organisation", fields)
    assert again.status_code == 409 and 'data-code="org_unit_exists"' in again.text


def test_institution_key_is_shown_once_rotated_and_revoked(
    operator_browser: tuple[TestClient, StaffMember], engine: Engine, client: TestClient
) -> None:
    browser, member = operator_browser
    province = make_unit(engine, "province", None)
    city = make_unit(engine, "sub_centre", province, "郑州")
    code = f"ZZU{serial()}"
    created = _post(
        browser,
        "/console/institutions",
        "/console/institutions",
        {
            "code": code,
            "kind": "university",
            "centre_id": str(city),
            "name_zh": "郑州测试大学",
            "name_en": "Zhengzhou Test University",
        },
    )
    assert created.status_code == 200
    key = re.search(r'id="api-key">(cbk_[^<]+)<', created.text)
    assert key, created.text
    api_key = key.group(1)
    auth = {"Authorization": f"Bearer {api_key}"}
    # The key works against the API, and the list page never shows it again.
    assert client.get("/learners/1/account", headers=auth).status_code != 401
    listing = browser.get("/console/institutions")
    assert code in listing.text and api_key not in listing.text
    with Session(engine) as session:
        institution = session.exec(select(Institution).where(col(Institution.code) == code)).one()
        assert institution.centre_id == city
        institution_id = institution.id
    rotated = _post(
        browser, "/console/institutions", f"/console/institutions/{institution_id}/rotate", {}
    )
    new_key = re.search(r'id="api-key">(cbk_[^<]+)<', rotated.text)
    assert new_key and new_key.group(1) != api_key
    assert client.get("/learners/1/account", headers=auth).status_code == 401
    revoked = _post(
        browser, "/console/institutions", f"/console/institutions/{institution_id}/revoke", {}
    )
    assert revoked.status_code == 303
    new_auth = {"Authorization": f"Bearer {new_key.group(1)}"}
    assert client.get("/learners/1/account", headers=new_auth).status_code == 401
    with Session(engine) as session:
        actions = [
            e.action
            for e in session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.subject) == f"institution:{code}")
                .order_by(col(AuditEvent.id))
            )
        ]
        actors = {
            e.actor
            for e in session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.subject) == f"institution:{code}")
                .order_by(col(AuditEvent.id))
            )
        }
    assert actions == ["institution.create", "institution.key_rotated", "institution.key_revoked"]
    assert actors == {f"staff:{member.id}"}


def test_operator_opens_deactivates_and_resets_staff(
    operator_browser: tuple[TestClient, StaffMember], engine: Engine
) -> None:
    browser, _ = operator_browser
    province = make_unit(engine, "province", None)
    city = make_unit(engine, "sub_centre", province, "洛阳")
    login = f"reviewer.{serial()}"
    created = _post(
        browser,
        "/console/staff",
        "/console/staff",
        {
            "login": login,
            "name": "李审核",
            "role": "reviewer",
            "centre_id": str(city),
            "institution_id": "",
        },
    )
    assert created.status_code == 200
    password = re.search(r'id="one-time-password">([^<]+)<', created.text)
    assert password
    with Session(engine) as session:
        staff = session.exec(select(StaffAccount).where(col(StaffAccount.login) == login)).one()
        assert staff.centre_id == city and staff.totp_sealed is None
        assert password.group(1) not in staff.password_hash
        staff_id = staff.id
    assert (
        _post(browser, "/console/staff", f"/console/staff/{staff_id}/reset-totp", {}).status_code
        == 303
    )
    assert (
        _post(browser, "/console/staff", f"/console/staff/{staff_id}/deactivate", {}).status_code
        == 303
    )
    with Session(engine) as session:
        staff = session.get(StaffAccount, staff_id)
        assert staff is not None and not staff.active


def test_duplicate_login_is_staff_exists(operator_browser: tuple[TestClient, StaffMember]) -> None:
    browser, member = operator_browser
    again = _post(
        browser,
        "/console/staff",
        "/console/staff",
        {"login": member.login, "name": "x", "role": "operator"},
    )
    assert again.status_code == 409 and 'data-code="staff_exists"' in again.text


def test_operator_pages_are_forbidden_to_a_reviewer(
    app: FastAPI, engine: Engine, settings: Settings
) -> None:
    province = make_unit(engine, "province", None)
    city = make_unit(engine, "sub_centre", province)
    reviewer = make_staff(engine, settings, "reviewer", centre_id=city)
    browser = TestClient(app)
    sign_in(browser, reviewer)
    for path in ("/console/staff", "/console/institutions", "/console/organisation"):
        response = browser.get(path)
        assert response.status_code == 403 and 'data-code="forbidden"' in response.text


def test_a_reviewer_sees_an_institution_of_their_centre_only(
    engine: Engine, settings: Settings
) -> None:
    from issuer.bank import accounts as bank_accounts
    from issuer.core.errors import OutOfScope
    from issuer.models import InstitutionCreate
    from issuer.staff.scope import ensure_in_scope

    province = make_unit(engine, "province", None)
    zhengzhou = make_unit(engine, "sub_centre", province, "郑州")
    luoyang = make_unit(engine, "sub_centre", province, "洛阳")
    point = make_unit(engine, "point", zhengzhou, "郑州点")
    reviewer = make_staff(engine, settings, "reviewer", centre_id=zhengzhou)
    with Session(engine) as session:
        ours = bank_accounts.create_institution(
            session,
            InstitutionCreate(
                code=f"O{serial()}",
                name_zh="本",
                name_en="Ours",
                kind="university",
                centre_id=point,
            ),
        )
        theirs = bank_accounts.create_institution(
            session,
            InstitutionCreate(
                code=f"T{serial()}",
                name_zh="他",
                name_en="Theirs",
                kind="university",
                centre_id=luoyang,
            ),
        )
        staff = session.get(StaffAccount, reviewer.id)
        assert staff is not None
        ensure_in_scope(session, staff, centre_id=point, institution_id=ours.id)
        with pytest.raises(OutOfScope):
            ensure_in_scope(session, staff, institution_id=theirs.id)
        with pytest.raises(OutOfScope):
            ensure_in_scope(session, staff, centre_id=luoyang)
        session.rollback()


def test_a_huge_id_in_a_console_path_is_invalid_not_a_crash(
    operator_browser: tuple[TestClient, StaffMember],
) -> None:
    browser, _ = operator_browser
    huge = 2**63
    assert browser.get(f"/console/centres/{huge}").status_code == 422
    refused = _post(browser, "/console/staff", f"/console/staff/{huge}/deactivate", {})
    assert refused.status_code == 422
    unit = _post(
        browser,
        "/console/organisation",
        "/console/organisation",
        {
            "level": "sub_centre",
            "parent_id": str(huge),
            "code": "HUGE",
            "name_zh": "大",
            "name_en": "Huge",
        },
    )
    assert unit.status_code == 422 and 'data-code="invalid_request"' in unit.text
