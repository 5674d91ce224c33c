"""Issue 13 in headless Chromium: the learner applies, the university records, the account shows it.

A fresh demo installation with a university: the demo learner signs in, applies for
credit recognition at the university through the portal form, the university records
the transfer with that application id (and an enterprise, or the university without
consent, is refused), converts the credits into exemptions, and the learner's account
page shows the transfer, the consent it used and where each credit went. Screenshots of
the new pages at 390 and 1280 px in Chinese and English land in the session's directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium")

from fastapi.testclient import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from issuer.app import create_app
from issuer.core import migrate
from issuer.demo.story import DEMO_PASSWORD, run_story
from tests.browser.conftest import (
    DemoInstallation,
    demo_settings,
    free_port,
    start_server,
)

UNIVERSITY = {"code": "UNI-B", "name_zh": "示范理工大学", "name_en": "Demo Tech University"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A demo installation of its own (its credits move), with a university and an enterprise."""
    port = free_port()
    settings = demo_settings(tmp_path_factory.mktemp("transfer-home"), port)
    migrate.upgrade(settings.db_url)
    result = run_story(settings)
    app = create_app(settings)
    server = start_server(app, port)
    installation = DemoInstallation(settings, result, server)
    try:
        with TestClient(app) as api:
            admin = installation.admin_headers
            made = {}
            for name, body in (
                ("university", {**UNIVERSITY, "kind": "university"}),
                (
                    "enterprise",
                    {
                        "code": "ENT-X",
                        "name_zh": "某企业",
                        "name_en": "Some Company",
                        "kind": "enterprise",
                    },
                ),
            ):
                response = api.post("/institutions", json=body, headers=admin)
                assert response.status_code == 201, response.text
                made[name] = {"Authorization": f"Bearer {response.json()['api_key']}"}
            yield {"server": installation, "api": api, **made}
    finally:
        server.stop()
        app.state.engine.dispose()


def _sign_in(browser: WebDriver, site: dict[str, Any]) -> None:
    installation: DemoInstallation = site["server"]
    browser.get(f"{installation.url}/portal/sign-in")
    browser.find_element(By.ID, "learner_id").send_keys(str(installation.result.learner_id))
    browser.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "overview"))


def _fits(browser: WebDriver, what: str) -> None:
    scroll, inner = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth];"
    )
    assert scroll <= inner, f"{what} is {scroll}px wide at {inner}px"


def _whole_page(browser: WebDriver, path: Path) -> None:
    size = browser.get_window_size()
    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(size["width"], height + 120)
    browser.save_screenshot(str(path))
    browser.set_window_size(size["width"], size["height"])


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_application_form_fits_the_screen(
    site: dict[str, Any], browser: WebDriver, screenshots: Path, width: int, language: str
) -> None:
    installation: DemoInstallation = site["server"]
    browser.set_window_size(width, 900)
    _sign_in(browser, site)
    browser.get(
        f"{installation.url}/portal/language/{language}?next=/portal/transfer-applications/new"
    )
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "apply-form"))
    _fits(browser, "the application form")
    _whole_page(browser, screenshots / f"portal-apply-{language}-{width}.png")


def test_apply_record_and_see_where_the_credits_went(
    site: dict[str, Any], browser: WebDriver, screenshots: Path
) -> None:
    installation: DemoInstallation = site["server"]
    api: TestClient = site["api"]
    jti = str(installation.result.credential["jti"])
    _sign_in(browser, site)
    browser.find_element(By.ID, "apply-link").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "apply-form"))

    # Nothing chosen: the form says what is missing and keeps what was typed.
    Select(browser.find_element(By.ID, "institution")).select_by_value(UNIVERSITY["code"])
    browser.find_element(By.ID, "programme").send_keys("机械设计制造及其自动化（专升本）")
    browser.find_element(By.ID, "apply-submit").click()
    error = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "error"))
    assert error.text == "请至少选择一项您的有效凭证。"
    assert browser.find_element(By.ID, "programme").get_attribute("value").startswith("机械设计")

    browser.find_element(By.ID, f"jti-{jti}").click()
    browser.find_element(By.ID, "apply-submit").click()
    done = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "applied-message"))
    assert UNIVERSITY["name_zh"] in done.text
    application_id = int(str(done.get_attribute("data-application")))
    _whole_page(browser, screenshots / "portal-applied-zh_Hans-1000.png")

    # The university sees it; an enterprise and a consent-less request are refused.
    incoming = api.get("/transfer-applications", headers=site["university"]).json()
    assert [a["id"] for a in incoming] == [application_id]
    body = {"items": [{"jti": jti}], "policy": "示范理工大学 2026"}
    refused = api.post("/transfers", json=body, headers=site["enterprise"])
    assert refused.status_code == 403 and refused.json()["code"] == "consent_required"
    refused = api.post("/transfers", json=body, headers=site["university"])
    assert refused.status_code == 403 and refused.json()["code"] == "consent_required"
    with_consent = {**body, "application_id": application_id}
    recorded = api.post("/transfers", json=with_consent, headers=site["university"])
    assert recorded.status_code == 201, recorded.text
    again = api.post("/transfers", json=with_consent, headers=site["university"])
    assert again.status_code == 409 and again.json()["code"] == "consent_used"
    first = recorded.json()["items"][0]
    exempt = {
        "exemptions": [
            {
                "course_code": "ME-201",
                "course_name": "机器人技术基础",
                "jti": first["jti"],
                "position": first["position"],
            }
        ]
    }
    path = f"/transfers/{recorded.json()['id']}/exemptions"
    assert api.post(path, json=exempt, headers=site["university"]).status_code == 201

    browser.get(f"{installation.url}/portal/account")
    section = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "transfers"))
    assert "由学校登记" in browser.find_element(By.ID, f"application-{application_id}").text
    transferred = browser.find_element(By.ID, "transferred").text
    assert UNIVERSITY["name_zh"] in transferred
    assert f"申请 {application_id} 号" in transferred
    assert f"以“{first['title']}”免修 机器人技术基础 (ME-201)" in transferred
    history = browser.find_element(By.ID, "consent-history").text
    assert "申请学分认定" in history and "经您同意登记了学分转换" in history
    assert section.is_displayed()
    balance = browser.find_element(By.ID, "balance").text
    assert balance == "0"

    # The same in English.
    browser.get(f"{installation.url}/portal/language/en?next=/portal/account")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "transferred"))
    transferred = browser.find_element(By.ID, "transferred").text
    assert UNIVERSITY["name_en"] in transferred
    assert f"Exempted from 机器人技术基础 (ME-201) by {first['title']}" in transferred


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_account_with_transfers_fits_the_screen(
    site: dict[str, Any], browser: WebDriver, screenshots: Path, width: int, language: str
) -> None:
    """After the flow above: the account page with a transfer, exemptions and consents."""
    installation: DemoInstallation = site["server"]
    browser.set_window_size(width, 900)
    _sign_in(browser, site)
    browser.get(f"{installation.url}/portal/language/{language}?next=/portal/account")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CLASS_NAME, "exemption"))
    _fits(browser, "the account page")
    _whole_page(browser, screenshots / f"portal-account-transfers-{language}-{width}.png")
    # Everything was transferred: the form now says there is nothing to apply with.
    browser.get(f"{installation.url}/portal/transfer-applications/new")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "no-credentials"))
    _fits(browser, "the empty application form")
