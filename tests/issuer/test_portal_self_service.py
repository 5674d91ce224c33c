"""The portal's own-account pages over HTTP: open an account, change and reset the password."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from issuer.bank import passwords
from issuer.core.settings import Settings
from tests.issuer.factories import new_national_id
from tests.issuer.test_portal import _csrf, sign_in

pytestmark = pytest.mark.db

PASSWORD = "xuefen2026bank"
_addresses = itertools.count(1)


def _browser(app: FastAPI, lang: str | None = None) -> TestClient:
    headers = {"Accept-Language": lang} if lang else None
    return TestClient(
        app, follow_redirects=False, client=(f"10.8.0.{next(_addresses)}", 5000), headers=headers
    )


def _register(browser: TestClient, **overrides: str) -> Any:
    page = browser.get("/portal/register")
    assert page.status_code == 200
    version = re.search(r'name="privacy" value="([^"]+)"', page.text)
    assert version is not None
    form = {
        "csrf": _csrf(page.text),
        "name": "赵六",
        "national_id": new_national_id(),
        "mobile": "13912345678",
        "email": "",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "privacy": version.group(1),
    }
    form.update(overrides)
    return browser.post("/portal/register", data=form)


def _account_number(html: str) -> int:
    found = re.search(r'id="account-number">(\d+)<', html)
    assert found, html
    return int(found.group(1))


def test_a_learner_opens_an_account_and_signs_in_with_it(app: FastAPI) -> None:
    browser = _browser(app)
    opened = _register(browser)
    assert opened.status_code == 201, opened.text
    assert "您的账户已开通" in opened.text
    number = _account_number(opened.text)
    signed = sign_in(_browser(app), number, PASSWORD)
    assert signed.status_code == 303 and signed.headers["location"] == "/portal/account"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password_again": "different2026"}, "两次输入的密码不一致"),
        ({"password": "abc", "password_again": "abc"}, "请设置至少 8 位"),
        ({"privacy": ""}, "请阅读并同意隐私声明"),
        ({"mobile": "1234"}, "请输入 11 位手机号码"),
        ({"national_id": "41010519900101123X"}, "身份证号无效"),
        ({"email": "nobody"}, "邮箱地址"),
    ],
)
def test_mistakes_are_told_in_words_on_the_form(
    app: FastAPI, overrides: dict[str, str], message: str
) -> None:
    response = _register(_browser(app), **overrides)
    assert response.status_code == 422
    assert message in response.text
    assert 'name="name"' in response.text and 'value="赵六"' in response.text  # kept


def test_a_second_account_for_one_id_is_told_in_english_too(app: FastAPI) -> None:
    nid = new_national_id()
    assert _register(_browser(app), national_id=nid).status_code == 201
    again = _register(_browser(app, "en"), national_id=nid)
    assert again.status_code == 422
    assert "An account for this national ID number already exists" in again.text
    assert nid not in again.text


def test_a_form_without_its_token_is_refused(app: FastAPI) -> None:
    response = _browser(app).post("/portal/register", data={"name": "x"})
    assert response.status_code == 403


def test_the_learner_changes_the_password_in_the_portal(app: FastAPI) -> None:
    number = _account_number(_register(_browser(app)).text)
    browser = _browser(app)
    sign_in(browser, number, PASSWORD)
    page = browser.get("/portal/password")
    assert page.status_code == 200 and "修改密码" in page.text
    wrong = browser.post(
        "/portal/password",
        data={
            "csrf": _csrf(page.text),
            "password": "not-mine-2026",
            "new_password": "changed2027pw",
            "new_password_again": "changed2027pw",
        },
    )
    assert wrong.status_code == 403 and "当前密码不正确" in wrong.text
    done = browser.post(
        "/portal/password",
        data={
            "csrf": _csrf(wrong.text),
            "password": PASSWORD,
            "new_password": "changed2027pw",
            "new_password_again": "changed2027pw",
        },
    )
    assert done.status_code == 200 and "密码已修改" in done.text
    assert sign_in(_browser(app), number, "changed2027pw").status_code == 303
    assert sign_in(_browser(app), number, PASSWORD).status_code == 401


def test_a_code_from_the_centre_sets_a_new_password(
    app: FastAPI, engine: Any, settings: Settings
) -> None:
    number = _account_number(_register(_browser(app)).text)
    with Session(engine) as session:
        issued = passwords.issue_code(session, settings, number, channel="in_person", actor="t")
        session.commit()
    browser = _browser(app)
    page = browser.get("/portal/password/reset")
    form = {
        "csrf": _csrf(page.text),
        "learner_id": str(number),
        "code": "99999999" if issued.code != "99999999" else "88888888",
        "new_password": "fromcentre2027",
        "new_password_again": "fromcentre2027",
    }
    wrong = browser.post("/portal/password/reset", data=form)
    assert wrong.status_code == 422 and "验证码错误或已过期" in wrong.text
    form.update(csrf=_csrf(wrong.text), code=issued.code)
    done = browser.post("/portal/password/reset", data=form)
    assert done.status_code == 200 and "新密码已设置" in done.text
    assert sign_in(_browser(app), number, "fromcentre2027").status_code == 303


def test_without_mail_the_forgot_page_sends_learners_to_a_centre(app: FastAPI) -> None:
    page = _browser(app).get("/portal/password/forgot")
    assert page.status_code == 200
    assert "认证中心" in page.text and 'id="forgot-form"' not in page.text
