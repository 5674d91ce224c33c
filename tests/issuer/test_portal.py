"""The learner portal pages, driven over HTTP: sign-in, overview, downloads, CSRF."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.issuer.factories import create_learner, problem
from tests.issuer.test_certificate import issue_credential

pytestmark = pytest.mark.db

PASSWORD = "correct horse battery"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the form carries a CSRF token"
    return found.group(1)


def _browser(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


@pytest.fixture(scope="module")
def holder(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    learner, cred = issue_credential(client, admin, inst_a, titles=("机器视觉应用", "工业网络"))
    response = client.put(
        f"/learners/{learner['id']}/password", json={"password": PASSWORD}, headers=admin
    )
    assert response.status_code == 204, response.text
    return learner, cred


def sign_in(browser: TestClient, learner_id: int, password: str = PASSWORD) -> Any:
    page = browser.get("/portal/sign-in")
    return browser.post(
        "/portal/sign-in",
        data={"learner_id": str(learner_id), "password": password, "csrf": _csrf(page.text)},
    )


def test_pages_need_a_sign_in(app: FastAPI) -> None:
    browser = _browser(app)
    for path in ("/portal/account", "/portal/credentials/x/certificate.pdf", "/portal"):
        response = browser.get(path)
        assert response.status_code == 303
        assert response.headers["location"] in ("/portal/sign-in", "/portal/account")


def test_sign_in_page_is_locked_down(app: FastAPI) -> None:
    response = _browser(app).get("/portal/sign-in")
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    assert "cb_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_wrong_password_and_missing_csrf(app: FastAPI, holder: Any) -> None:
    learner, _ = holder
    browser = _browser(app)
    wrong = sign_in(browser, learner["id"], "not the password")
    assert wrong.status_code == 401
    assert "账户号或密码不正确" in wrong.text  # Chinese unless the reader asks otherwise
    assert "cb_session" not in browser.cookies
    forged = _browser(app).post(
        "/portal/sign-in", data={"learner_id": str(learner["id"]), "password": PASSWORD}
    )
    assert forged.status_code == 403
    assert "cb_session" not in forged.headers.get("set-cookie", "")
    odd = _browser(app)
    page = odd.get("/portal/sign-in")
    response = odd.post(
        "/portal/sign-in",
        data={"learner_id": "1; drop", "password": PASSWORD, "csrf": _csrf(page.text)},
    )
    assert response.status_code == 401


def test_sign_in_overview_downloads_and_sign_out(
    app: FastAPI, holder: Any, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner, cred = holder
    browser = _browser(app)
    response = sign_in(browser, learner["id"])
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/account"
    cookie = response.headers["set-cookie"]
    assert "cb_session=cbl_" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/portal" in cookie

    page = browser.get("/portal/account")
    assert page.status_code == 200
    html = page.text
    standard = "课程学时学分转换通用规则"  # GE-HOURS@1 by its title, never by its id
    for expected in (learner["name"], learner["national_id_masked"], cred["jti"], standard):
        assert expected in html
    assert "GE-HOURS@1" not in html and "theory-16h" not in html
    assert 'id="progress-bar"' in html
    assert 'id="disputes"' in html
    assert f"/portal/credentials/{cred['jti']}/certificate.pdf" in html

    pdf = browser.get(f"/portal/credentials/{cred['jti']}/certificate.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    png = browser.get(f"/portal/credentials/{cred['jti']}/qr.png")
    assert png.headers["content-type"] == "image/png"

    # Another learner's credential does not exist for this learner.
    _, other = issue_credential(client, admin, inst_a, titles=("单片机",))
    problem(browser.get(f"/portal/credentials/{other['jti']}/certificate.pdf"), 404, "not_found")
    # The cookie never authorises the JSON API.
    problem(
        browser.get(f"/credentials/{cred['jti']}/certificate.pdf"),
        401,
        "unauthenticated",
    )

    out = browser.post("/portal/sign-out", data={"csrf": _csrf(html)})
    assert out.status_code == 303
    browser.cookies.delete("cb_session", path="/portal")  # as the browser does on Max-Age=0
    assert 'cb_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert browser.get("/portal/account").status_code == 303


def test_wallet_offer_from_the_portal(app: FastAPI, holder: Any) -> None:
    learner, _ = holder
    browser = _browser(app)
    sign_in(browser, learner["id"])
    page = browser.get("/portal/account")
    response = browser.post("/portal/wallet-offer", data={"csrf": _csrf(page.text)})
    assert response.status_code == 200, response.text
    assert re.search(r'id="tx-code">\d{6}<', response.text)
    assert 'src="data:image/png;base64,' in response.text
    refused = browser.post("/portal/wallet-offer", data={"csrf": "forged"})
    assert refused.status_code == 403


def test_a_learner_without_credits_sees_an_empty_account(
    app: FastAPI, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner = create_learner(client, inst_a["headers"], name="王五")
    client.put(f"/learners/{learner['id']}/password", json={"password": PASSWORD}, headers=admin)
    browser = _browser(app)
    sign_in(browser, learner["id"])
    html = browser.get("/portal/account").text
    assert "尚无学分" in html and "尚无证书" in html
    page = browser.get("/portal/account")
    offer = browser.post("/portal/wallet-offer", data={"csrf": _csrf(page.text)})
    assert offer.status_code == 422
    assert "您还没有可存入钱包的学分" in offer.text
