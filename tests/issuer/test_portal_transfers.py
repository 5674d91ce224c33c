"""The portal's credit-recognition application pages over HTTP: sign-in, CSRF, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.issuer.factories import create_institution
from tests.issuer.test_certificate import issue_credential
from tests.issuer.test_portal import PASSWORD, _browser, _csrf, sign_in

pytestmark = pytest.mark.db


@pytest.fixture()
def signed_in(
    app: FastAPI, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> tuple[TestClient, dict[str, Any], dict[str, Any]]:
    learner, cred = issue_credential(client, admin, inst_a, titles=("单片机应用",))
    response = client.put(
        f"/learners/{learner['id']}/password", json={"password": PASSWORD}, headers=admin
    )
    assert response.status_code == 204, response.text
    browser = _browser(app)
    assert sign_in(browser, learner["id"]).status_code == 303
    return browser, learner, cred


def test_the_pages_need_a_sign_in_and_the_form_its_token(
    app: FastAPI, signed_in: tuple[TestClient, dict[str, Any], dict[str, Any]]
) -> None:
    anonymous = _browser(app)
    response = anonymous.get("/portal/transfer-applications/new")
    assert response.status_code == 303 and response.headers["location"] == "/portal/sign-in"
    browser, _, cred = signed_in
    page = browser.get("/portal/transfer-applications/new")
    assert page.status_code == 200 and "单片机应用" in page.text
    forged = {"csrf": "forged", "institution": "X", "programme": "p", "jti": cred["jti"]}
    assert browser.post("/portal/transfer-applications", data=forged).status_code == 403


def test_refusals_are_shown_on_the_form_and_success_names_the_university(
    client: TestClient,
    admin: dict[str, str],
    signed_in: tuple[TestClient, dict[str, Any], dict[str, Any]],
) -> None:
    browser, learner, cred = signed_in
    university = create_institution(client, admin)
    csrf = _csrf(browser.get("/portal/transfer-applications/new").text)
    browser.cookies.set("cb_lang", "en")

    def post(**fields: str) -> Any:
        data = {"csrf": csrf, **fields}
        return browser.post("/portal/transfer-applications", data=data)

    no_choice = post(institution=university["code"], programme="机电一体化")
    assert no_choice.status_code == 422
    assert "Choose at least one of your valid credentials." in no_choice.text
    assert 'value="机电一体化"' in no_choice.text  # what was typed is kept
    wrong = post(institution="NO-SUCH", programme="p", jti=cred["jti"])
    assert wrong.status_code == 422 and "Choose a university or college" in wrong.text
    no_programme = post(institution=university["code"], programme=" ", jti=cred["jti"])
    assert no_programme.status_code == 422 and "Name the programme" in no_programme.text
    others = post(institution=university["code"], programme="p", jti="someone-elses")
    assert others.status_code == 404
    done = post(institution=university["code"], programme="机电一体化", jti=cred["jti"])
    assert done.status_code == 200, done.text
    assert university["name_en"] in done.text
    listed = client.get(f"/learners/{learner['id']}/transfer-applications", headers=admin).json()
    assert [a["institution"] for a in listed] == [university["code"]]
    account = browser.get("/portal/account")
    assert f"application-{listed[0]['id']}" in account.text and "Submitted" in account.text
    withdraw = browser.post(
        f"/portal/transfer-applications/{listed[0]['id']}/withdraw", data={"csrf": csrf}
    )
    assert withdraw.status_code == 303
    again = browser.post(
        f"/portal/transfer-applications/{listed[0]['id']}/withdraw", data={"csrf": csrf}
    )
    assert again.status_code == 409
