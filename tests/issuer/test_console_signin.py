"""Staff sign-in to the console: password then TOTP, enrolment, CSRF, idle timeout, audit."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.app import create_app
from issuer.core.settings import Settings
from issuer.models import AuditEvent, ConsoleSession, StaffAccount
from tests.issuer.staff_factories import (
    StaffMember,
    csrf_of,
    make_staff,
    make_unit,
    password_step,
    sign_in,
)

pytestmark = pytest.mark.db


@pytest.fixture()
def browser(app: FastAPI) -> TestClient:
    """A client with its own cookie jar (one browser)."""
    return TestClient(app)


@pytest.fixture()
def operator(engine: Engine, settings: Settings) -> StaffMember:
    return make_staff(engine, settings, "operator")


def _actions(engine: Engine, subject: str) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).where(col(AuditEvent.subject) == subject))
        return [row.action for row in rows]


def test_password_then_code_signs_in(
    browser: TestClient, operator: StaffMember, engine: Engine
) -> None:
    sign_in(browser, operator)
    home = browser.get("/console")
    assert home.status_code == 200
    assert 'id="role"' in home.text and "运营" in home.text
    actions = _actions(engine, f"staff:{operator.id}")
    assert "console.password_ok" in actions and "console.signed_in" in actions


def test_the_session_cookie_is_httponly_and_lax(browser: TestClient, operator: StaffMember) -> None:
    response = password_step(browser, operator)
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "cb_staff=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/console" in cookie


def test_wrong_password_is_refused_and_audited(
    browser: TestClient, operator: StaffMember, engine: Engine
) -> None:
    response = password_step(browser, operator, "not the password")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert 'data-code="unauthenticated"' in response.text  # type: ignore[attr-defined]
    assert "console.password_failed" in _actions(engine, f"login:{operator.login}")
    assert browser.get("/console", follow_redirects=False).headers["location"] == "/console/sign-in"


def test_a_password_alone_does_not_open_the_console(
    browser: TestClient, operator: StaffMember
) -> None:
    password_step(browser, operator)
    response = browser.get("/console", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console/sign-in"


def test_expired_totp_code_is_totp_invalid(
    browser: TestClient, operator: StaffMember, engine: Engine
) -> None:
    password_step(browser, operator)
    page = browser.get("/console/sign-in/code")
    stale = operator.code(offset=-3)  # ninety seconds old: outside valid_window=1
    response = browser.post(
        "/console/sign-in/code", data={"csrf": csrf_of(page.text), "code": stale}
    )
    assert response.status_code == 401
    assert 'data-code="totp_invalid"' in response.text
    assert "验证码不正确或已过期" in response.text
    assert "console.totp_failed" in _actions(engine, f"staff:{operator.id}")
    # Nothing was half-applied: the session still waits for its code.
    assert browser.get("/console", follow_redirects=False).status_code == 303


def test_a_used_code_is_not_accepted_again(app: FastAPI, operator: StaffMember) -> None:
    first, second = TestClient(app), TestClient(app)
    code = operator.code()
    for client in (first, second):
        password_step(client, operator)
    page = first.get("/console/sign-in/code")
    ok = first.post(
        "/console/sign-in/code",
        data={"csrf": csrf_of(page.text), "code": code},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = second.get("/console/sign-in/code")
    replay = second.post("/console/sign-in/code", data={"csrf": csrf_of(page.text), "code": code})
    assert replay.status_code == 401 and 'data-code="totp_invalid"' in replay.text


def test_a_post_without_csrf_is_refused(
    browser: TestClient, operator: StaffMember, engine: Engine
) -> None:
    sign_in(browser, operator)
    response = browser.post("/console/sign-out", data={})
    assert response.status_code == 403
    assert 'data-code="csrf_failed"' in response.text
    assert "请刷新页面后重试" in response.text
    assert "console.refused.csrf_failed" in _actions(engine, "/console/sign-out")
    assert browser.get("/console").status_code == 200  # not signed out


def test_csrf_failure_speaks_english_to_an_english_reader(
    browser: TestClient, operator: StaffMember
) -> None:
    sign_in(browser, operator)
    browser.cookies.set("cb_lang", "en")
    response = browser.post("/console/sign-out", data={"csrf": "forged"})
    assert response.status_code == 403
    assert "Reload the page and try again." in response.text


def test_sign_in_form_without_csrf_is_refused(browser: TestClient, operator: StaffMember) -> None:
    response = browser.post(
        "/console/sign-in", data={"login": operator.login, "password": operator.password}
    )
    assert response.status_code == 403 and 'data-code="csrf_failed"' in response.text


def test_idle_session_goes_back_to_sign_in(
    browser: TestClient, operator: StaffMember, engine: Engine, settings: Settings
) -> None:
    sign_in(browser, operator)
    with Session(engine) as session:
        row = session.exec(
            select(ConsoleSession).where(col(ConsoleSession.staff_id) == operator.id)
        ).one()
        row.last_seen_at = row.last_seen_at - timedelta(minutes=settings.staff_idle_minutes + 1)
        session.add(row)
        session.commit()
    response = browser.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?expired=1"
    again = browser.get(response.headers["location"])
    assert "会话已结束" in again.text and 'data-code="session_expired"' in again.text


def test_sign_out_ends_the_session(browser: TestClient, operator: StaffMember) -> None:
    sign_in(browser, operator)
    home = browser.get("/console")
    out = browser.post(
        "/console/sign-out", data={"csrf": csrf_of(home.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    assert browser.get("/console", follow_redirects=False).status_code == 303


def test_first_sign_in_enrols_the_second_factor(
    browser: TestClient, engine: Engine, settings: Settings
) -> None:
    member = make_staff(engine, settings, "operator", enrolled=False)
    first = password_step(browser, member)
    assert first.headers["location"] == "/console/enrol"  # type: ignore[attr-defined]
    page = browser.get("/console/enrol")
    assert 'id="enrol-qr"' in page.text and "data:image/png;base64," in page.text
    secret = page.text.split('id="secret">')[1].split("<")[0].replace(" ", "")
    wrong = browser.post("/console/enrol", data={"csrf": csrf_of(page.text), "code": "000000"})
    assert wrong.status_code == 401 and 'data-code="totp_invalid"' in wrong.text
    done = browser.post(
        "/console/enrol",
        data={"csrf": csrf_of(page.text), "code": pyotp.TOTP(secret).now()},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/console"
    with Session(engine) as session:
        staff = session.get(StaffAccount, member.id)
        assert staff is not None and staff.totp_enrolled_at is not None
        assert staff.totp_sealed and secret not in staff.totp_sealed
    assert "console.enrolled" in _actions(engine, f"staff:{member.id}")


def test_a_deactivated_account_cannot_sign_in(
    browser: TestClient, engine: Engine, settings: Settings
) -> None:
    from issuer.staff import accounts

    member = make_staff(engine, settings, "operator")
    with Session(engine) as session:
        accounts.deactivate(session, member.id, actor="test")
        session.commit()
    assert password_step(browser, member).status_code == 401  # type: ignore[attr-defined]


def test_reviewer_of_one_city_cannot_open_another(
    browser: TestClient, engine: Engine, settings: Settings
) -> None:
    province = make_unit(engine, "province", None)
    zhengzhou = make_unit(engine, "sub_centre", province, "郑州")
    luoyang = make_unit(engine, "sub_centre", province, "洛阳")
    reviewer = make_staff(engine, settings, "reviewer", centre_id=zhengzhou)
    sign_in(browser, reviewer)
    assert browser.get(f"/console/centres/{zhengzhou}").status_code == 200
    refused = browser.get(f"/console/centres/{luoyang}")
    assert refused.status_code == 403
    assert 'data-code="out_of_scope"' in refused.text
    assert "console.refused.out_of_scope" in _actions(engine, f"/console/centres/{luoyang}")


def test_password_guessing_is_throttled(
    app: FastAPI, operator: StaffMember, engine: Engine, settings: Settings
) -> None:
    # Locks of a minute, so a slow machine cannot outwait the first one; a client address
    # of its own, so the shared test client's address is not locked.
    strict = create_app(settings.model_copy(update={"signin_lock_base_seconds": 60}))
    try:
        guesser = TestClient(strict, client=("10.20.30.40", 50000))
        answers = [
            password_step(guesser, operator, "guess").status_code  # type: ignore[attr-defined]
            for _ in range(settings.signin_free_attempts + 1)
        ]
        assert answers[:-1] == [401] * settings.signin_free_attempts
        assert answers[-1] == 429
        locked = password_step(guesser, operator, operator.password)
        assert locked.status_code == 429  # type: ignore[attr-defined]
        assert 'data-code="too_many_attempts"' in locked.text  # type: ignore[attr-defined]
    finally:
        strict.state.engine.dispose()
    assert "signin.locked" in _actions(engine, f"staff:{operator.login}")
