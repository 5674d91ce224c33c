"""The registrar's workspace in headless Chromium, end to end (issue 13 item 2).

A demo installation of its own (its credits move) with a university and its registrar:
the demo learner applies to the university in the portal for two credentials; the
registrar signs in (password + TOTP computed with pyotp), opens the application, uploads
three files — a photo of the demo certificate's QR code, the second credential's text
and the demo certificate's PDF (a duplicate, flagged) — reads the report, accepts two
items and records them; the learner's account then shows the transfer; recording again
gives the 409 page. The workspace pages are shot at 390 and 1280 px in Chinese and English.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium")

from fastapi.testclient import TestClient
from PIL import Image, ImageFilter
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from issuer.app import create_app
from issuer.core import migrate
from issuer.demo.story import DEMO_PASSWORD, run_story
from tests.browser.conftest import DemoInstallation, demo_settings, free_port, start_server
from tests.browser.test_console import _fits, _shot, _sign_in
from tests.issuer.factories import course
from tests.issuer.staff_factories import StaffMember, make_staff

UNIVERSITY = {"code": "UNI-R", "name_zh": "示范师范大学", "name_en": "Demo Normal University"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A demo installation with a university, its registrar and a second credential."""
    port = free_port()
    settings = demo_settings(tmp_path_factory.mktemp("registrar-home"), port)
    migrate.upgrade(settings.db_url)
    result = run_story(settings)
    app = create_app(settings)
    server = start_server(app, port)
    installation = DemoInstallation(settings, result, server)
    try:
        with TestClient(app) as api:
            admin = installation.admin_headers
            made = api.post(
                "/institutions", json={**UNIVERSITY, "kind": "university"}, headers=admin
            )
            assert made.status_code == 201, made.text
            institution = {"Authorization": f"Bearer {result.institution_api_key}"}
            learner = result.learner_id
            body = course(title="工业机器人编程", hours=48, completed_on="2025-01-15")
            entry = api.post(f"/learners/{learner}/courses", json=body, headers=institution)
            assert entry.status_code == 201, entry.text
            second = api.post(
                f"/learners/{learner}/credentials",
                json={"entry_ids": [entry.json()["entry"]["id"]]},
                headers=admin,
            )
            assert second.status_code == 201, second.text
            university_id = made.json()["id"]

            def registrar() -> StaffMember:
                # One account per sign-in: a TOTP code is accepted once.
                return make_staff(
                    app.state.engine, settings, "registrar", institution_id=university_id
                )

            yield {
                "server": installation,
                "api": api,
                "second": second.json(),
                "registrar": registrar,
                "files": tmp_path_factory.mktemp("presented"),
            }
    finally:
        server.stop()
        app.state.engine.dispose()


def _photo(png: bytes) -> bytes:
    """The QR as a phone would photograph it: small on a grey desk, tilted, soft."""
    qr = Image.open(io.BytesIO(png)).convert("RGB")
    qr = qr.resize((qr.width * 2, qr.height * 2)).rotate(4, expand=True, fillcolor=(235, 232, 224))
    desk = Image.new("RGB", (qr.width + 500, qr.height + 380), (120, 118, 112))
    desk.paste(qr, (230, 160))
    out = io.BytesIO()
    desk.filter(ImageFilter.GaussianBlur(1.2)).save(out, "PNG")
    return out.getvalue()


def _wait_for(browser: WebDriver, element_id: str) -> Any:
    return WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, element_id))


def _rows(browser: WebDriver) -> list[tuple[str, str]]:
    return [
        (str(r.get_attribute("data-source")), str(r.get_attribute("data-code")))
        for r in browser.find_elements(By.CSS_SELECTOR, "#rows tbody tr")
    ]


def test_apply_check_three_files_accept_two_record_once(
    site: dict[str, Any], browser_factory: Callable[[], WebDriver], screenshots: Path
) -> None:
    installation: DemoInstallation = site["server"]
    api: TestClient = site["api"]
    url = installation.url
    first_jti = str(installation.result.credential["jti"])
    second = site["second"]

    # The learner applies in the portal for both credentials.
    learner = browser_factory()
    learner.get(f"{url}/portal/sign-in")
    learner.find_element(By.ID, "learner_id").send_keys(str(installation.result.learner_id))
    learner.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    learner.find_element(By.ID, "sign-in").click()
    _wait_for(learner, "overview")
    learner.get(f"{url}/portal/transfer-applications/new")
    Select(learner.find_element(By.ID, "institution")).select_by_value(UNIVERSITY["code"])
    learner.find_element(By.ID, "programme").send_keys("教育技术学（专升本）")
    learner.find_element(By.ID, f"jti-{first_jti}").click()
    learner.find_element(By.ID, f"jti-{second['jti']}").click()
    learner.find_element(By.ID, "apply-submit").click()
    done = _wait_for(learner, "applied-message")
    application_id = int(str(done.get_attribute("data-application")))

    # The files the learner handed over.
    folder: Path = site["files"]
    admin = installation.admin_headers
    png = api.get(f"/credentials/{first_jti}/qr.png", headers=admin).content
    (folder / "photo.png").write_bytes(_photo(png))
    (folder / "second.txt").write_text(second["qr_text"], encoding="utf-8")
    pdf = api.get(f"/credentials/{first_jti}/certificate.pdf", headers=admin)
    assert pdf.status_code == 200
    (folder / "certificate.pdf").write_bytes(pdf.content)

    # The registrar signs in, finds the application, uploads the three files.
    browser = browser_factory()
    browser.set_window_size(1280, 900)
    _sign_in(browser, url, site["registrar"]())
    browser.find_element(By.ID, "registrar-workspace").click()
    _wait_for(browser, f"application-{application_id}").find_element(By.TAG_NAME, "a").click()
    _wait_for(browser, "files").send_keys(
        "\n".join(str(folder / n) for n in ("photo.png", "second.txt", "certificate.pdf"))
    )
    started = time.monotonic()
    browser.find_element(By.ID, "check").click()
    WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '#rows tr[data-source="photo.png"]')
    )
    shown_after = time.monotonic() - started
    print(f"registrar report of 3 files shown {shown_after:.2f} s after the upload")
    assert _rows(browser) == [
        ("photo.png", "accepted"),
        ("photo.png", "accepted"),
        ("second.txt", "accepted"),
        ("certificate.pdf", "duplicate"),
        ("certificate.pdf", "duplicate"),
    ]
    assert "photo.png" in browser.find_element(By.ID, "rows").text  # "as in photo.png"
    _shot(browser, screenshots / "registrar-report-zh_Hans-1280.png")

    # A second window holds the same form, to try recording twice.
    again = browser_factory()
    _sign_in(again, url, site["registrar"]())
    again.get(f"{url}/console/registrar/applications/{application_id}")
    _wait_for(again, "record")

    # Accept two of the three items: untick the second course of the photo.
    browser.find_element(By.CSS_SELECTOR, f'input[value="{first_jti}:1"]').click()
    browser.find_element(By.ID, "record").click()
    recorded = _wait_for(browser, "blocked")
    assert recorded.get_attribute("data-code") == "consent_used"
    assert browser.find_elements(By.CSS_SELECTOR, '[data-state="recorded"]')
    _shot(browser, screenshots / "registrar-recorded-zh_Hans-1280.png")

    # The learner's account shows the transfer of the two items.
    learner.get(f"{url}/portal/account")
    _wait_for(learner, "transfers")
    assert (
        len(learner.find_elements(By.CSS_SELECTOR, "#transferred tbody tr[class^=transfer-]")) == 2
    )
    assert UNIVERSITY["name_zh"] in learner.find_element(By.ID, "transferred").text

    # Recording again: the 409 page.
    again.find_element(By.ID, "record").click()
    error = _wait_for(again, "error")
    assert error.get_attribute("data-code") == "consent_used"
    _shot(again, screenshots / "registrar-409-zh_Hans-1280.png")


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_workspace_pages_fit_the_screen(
    site: dict[str, Any],
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
    width: int,
    language: str,
) -> None:
    installation: DemoInstallation = site["server"]
    url = installation.url
    browser = browser_factory()
    browser.set_window_size(width, 900)
    browser.get(f"{url}/console/language/{language}?next=/console/sign-in")
    _sign_in(browser, url, site["registrar"]())
    tag = f"{language}-{width}"
    for name, path in (
        ("incoming", "/console/registrar"),
        ("policy", "/console/registrar/policy"),
    ):
        browser.get(f"{url}{path}")
        _fits(browser, name)
        _shot(browser, screenshots / f"registrar-{name}-{tag}.png")
    browser.get(f"{url}/console/registrar")
    links = browser.find_elements(By.CSS_SELECTOR, "#applications a")
    if links:  # after the story above: its (recorded) application
        links[0].click()
        _wait_for(browser, "report")
        _fits(browser, "application")
        _shot(browser, screenshots / f"registrar-application-{tag}.png")
