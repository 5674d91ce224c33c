"""The registrar's workspace in headless Chromium, the whole story of issue 13.

A demo installation of its own with a university and its registrar. The demo learner
applies in the portal for two credentials. The registrar asks, on the application's
page, for an SD-JWT presentation; the learner's wallet (``creditbank-wallet``, a
separate process talking OpenID4VCI to the live server) receives a third credential and
presents it with the page's request link. The registrar uploads in two rounds with a
page change between — a photo of the demo certificate's QR code and the second
credential's text, then the certificate's PDF (a duplicate, flagged), the same photo
again (a duplicate file) and the presentation — reads the report, accepts two items
(one of the application, the presentation's) and records them; maps one to an
exemption (免修). The learner's account shows the transfer and the exemption; recording
again is the 409 page; ``POST /transfers`` from an enterprise, or from the university
without consent, is 403 ``consent_required`` over real HTTP. Every workspace page is
shot at 390 and 1280 px.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

pytest.importorskip("selenium")

from fastapi.testclient import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from issuer.app import create_app
from issuer.core import migrate
from issuer.demo.story import DEMO_PASSWORD, run_story
from tests.browser.conftest import DemoInstallation, demo_settings, free_port, start_server
from tests.browser.test_console import _fits, _shot, _sign_in
from tests.browser.test_registrar import _photo
from tests.issuer.factories import course
from tests.issuer.staff_factories import StaffMember, make_staff

UNIVERSITY = {
    "code": "UNI-W",
    "name_zh": "示范理工大学",
    "name_en": "Demo University of Technology",
}
WALLET_PASSPHRASE = "learner wallet pass"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A demo installation with a university, its registrar, a second credential and an
    offer of a third deposit for the learner's wallet."""
    port = free_port()
    settings = demo_settings(tmp_path_factory.mktemp("workspace-home"), port)
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
            enterprise = api.post(
                "/institutions",
                json={
                    "code": "ENT-W",
                    "name_zh": "示范企业",
                    "name_en": "Demo Works",
                    "kind": "enterprise",
                },
                headers=admin,
            )
            assert enterprise.status_code == 201, enterprise.text
            institution = {"Authorization": f"Bearer {result.institution_api_key}"}
            learner = result.learner_id
            entries = []
            for title in ("工业机器人编程", "机器视觉应用"):
                body = course(title=title, hours=48, completed_on="2025-01-15")
                entry = api.post(f"/learners/{learner}/courses", json=body, headers=institution)
                assert entry.status_code == 201, entry.text
                entries.append(entry.json()["entry"]["id"])
            second = api.post(
                f"/learners/{learner}/credentials", json={"entry_ids": entries[:1]}, headers=admin
            )
            assert second.status_code == 201, second.text
            offer = api.post(
                f"/learners/{learner}/credential-offers",
                json={"entry_ids": entries[1:]},
                headers=admin,
            )
            assert offer.status_code == 201, offer.text
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
                "offer": offer.json(),
                "university_key": made.json()["api_key"],
                "enterprise_key": enterprise.json()["api_key"],
                "registrar": registrar,
                "files": tmp_path_factory.mktemp("presented-files"),
                "wallet": tmp_path_factory.mktemp("learner-wallet"),
            }
    finally:
        server.stop()
        app.state.engine.dispose()


def _wallet(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The learner's ``creditbank-wallet``, a process of its own."""
    env = {
        **os.environ,
        "CREDITBANK_WALLET_HOME": str(home),
        "CREDITBANK_WALLET_PASSPHRASE": WALLET_PASSPHRASE,
    }
    return subprocess.run(
        [sys.executable, "-m", "wallet.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _wait_for(browser: WebDriver, element_id: str) -> Any:
    return WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, element_id))


def _rows(browser: WebDriver) -> list[tuple[str, str]]:
    return [
        (str(r.get_attribute("data-source")), str(r.get_attribute("data-code")))
        for r in browser.find_elements(By.CSS_SELECTOR, "#rows tbody tr")
    ]


def _upload(browser: WebDriver, paths: list[Path], wait_for: str) -> float:
    """Choose the files, press Check; seconds until the report shows ``wait_for``."""
    _wait_for(browser, "files").send_keys("\n".join(str(p) for p in paths))
    started = time.monotonic()
    browser.find_element(By.ID, "check").click()
    WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'#rows tr[data-source="{wait_for}"]')
    )
    return time.monotonic() - started


def _both_widths(browser: WebDriver, shots: Path, name: str) -> None:
    """The page as it is, fitted and shot at 390 and at 1280 px."""
    for width in (390, 1280):
        browser.set_window_size(width, 900)
        _fits(browser, name)
        _shot(browser, shots / f"workspace-{name}-{width}.png")
    browser.set_window_size(1280, 900)


def test_the_whole_story_with_a_wallet_presentation(
    site: dict[str, Any], browser_factory: Callable[[], WebDriver], screenshots: Path
) -> None:
    installation: DemoInstallation = site["server"]
    api: TestClient = site["api"]
    url = installation.url
    first_jti = str(installation.result.credential["jti"])
    second = site["second"]

    # The learner applies in the portal for the first two credentials.
    learner = browser_factory()
    learner.get(f"{url}/portal/sign-in")
    learner.find_element(By.ID, "learner_id").send_keys(str(installation.result.learner_id))
    learner.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    learner.find_element(By.ID, "sign-in").click()
    _wait_for(learner, "overview")
    learner.get(f"{url}/portal/transfer-applications/new")
    Select(learner.find_element(By.ID, "institution")).select_by_value(UNIVERSITY["code"])
    learner.find_element(By.ID, "programme").send_keys("智能制造工程（专升本）")
    learner.find_element(By.ID, f"jti-{first_jti}").click()
    learner.find_element(By.ID, f"jti-{second['jti']}").click()
    learner.find_element(By.ID, "apply-submit").click()
    done = _wait_for(learner, "applied-message")
    application_id = int(str(done.get_attribute("data-application")))

    # The learner's wallet receives the third credential over OpenID4VCI.
    home: Path = site["wallet"]
    offer = site["offer"]
    received = _wallet(home, "receive", offer["offer_uri"], "--pin", offer["tx_code"])
    assert received.returncode == 0, received.stderr
    listed = json.loads(_wallet(home, "--json", "list").stdout)
    [sd_jwt_id] = [row["id"] for row in listed if row["format"] == "dc+sd-jwt"]

    # The files the learner handed over.
    folder: Path = site["files"]
    admin = installation.admin_headers
    png = api.get(f"/credentials/{first_jti}/qr.png", headers=admin).content
    (folder / "photo.png").write_bytes(_photo(png))
    (folder / "photo-again.png").write_bytes((folder / "photo.png").read_bytes())
    (folder / "second.txt").write_text(second["qr_text"], encoding="utf-8")
    pdf = api.get(f"/credentials/{first_jti}/certificate.pdf", headers=admin)
    assert pdf.status_code == 200
    (folder / "certificate.pdf").write_bytes(pdf.content)

    # The registrar signs in, opens the application and asks for a presentation.
    browser = browser_factory()
    browser.set_window_size(1280, 900)
    _sign_in(browser, url, site["registrar"]())
    browser.find_element(By.ID, "registrar-workspace").click()
    _wait_for(browser, f"application-{application_id}").find_element(By.TAG_NAME, "a").click()
    _wait_for(browser, "report")
    _both_widths(browser, screenshots, "application")
    browser.find_element(By.ID, "ask-presentation").click()
    link = _wait_for(browser, "request-link").get_attribute("href")
    assert link and link.startswith("creditbank-present:?")
    assert browser.find_element(By.ID, "audience").text.endswith(
        f"/institutions/{UNIVERSITY['code']}"
    )
    _both_widths(browser, screenshots, "request")
    site["request_url"] = browser.current_url

    # The learner's wallet presents with the page's request link.
    presented = _wallet(
        home, "present", str(sd_jwt_id), "--disclose", "name,entries", "--request", link
    )
    assert presented.returncode == 0, presented.stderr
    (folder / "presentation.txt").write_text(presented.stdout, encoding="utf-8")

    # First round: the photo and the second credential.
    browser.find_element(By.ID, "back").click()
    first_round = _upload(browser, [folder / "photo.png", folder / "second.txt"], "second.txt")
    print(f"registrar report of 2 files shown {first_round:.2f} s after the upload")
    assert _rows(browser) == [
        ("photo.png", "accepted"),
        ("photo.png", "accepted"),
        ("second.txt", "accepted"),
    ]
    # A page change: the files are kept with the application.
    browser.find_element(By.ID, "nav-policy").click()
    _wait_for(browser, "save-policy")
    browser.get(f"{url}/console/registrar/applications/{application_id}")
    assert _wait_for(browser, "kept").get_attribute("data-kept") == "2"
    assert len(_rows(browser)) == 3
    # Second round: the PDF (the same certificate), the same photo again, the presentation.
    names = ["certificate.pdf", "photo-again.png", "presentation.txt"]
    second_round = _upload(browser, [folder / n for n in names], "presentation.txt")
    print(f"registrar report of 4 kept files shown {second_round:.2f} s after the upload")
    assert _rows(browser) == [
        ("photo.png", "accepted"),
        ("photo.png", "accepted"),
        ("second.txt", "accepted"),
        ("certificate.pdf", "duplicate"),
        ("certificate.pdf", "duplicate"),
        ("presentation.txt", "accepted"),
    ]
    duplicates = browser.find_element(By.ID, "duplicates")
    assert duplicates.get_attribute("data-code") == "duplicate_file"
    assert "photo-again.png" in duplicates.text
    _both_widths(browser, screenshots, "report")

    # A second window holds the same form, to try recording twice.
    again = browser_factory()
    _sign_in(again, url, site["registrar"]())
    again.get(f"{url}/console/registrar/applications/{application_id}")
    _wait_for(again, "record")

    # Accept two items: the photo's first course and the presentation's.
    for value in (f"{first_jti}:1", f"{second['jti']}:0"):
        browser.find_element(By.CSS_SELECTOR, f'input[value="{value}"]').click()
    ticked = browser.find_elements(By.CSS_SELECTOR, 'input[name="item"]:checked')
    assert len(ticked) == 2
    browser.find_element(By.ID, "record").click()
    recorded = _wait_for(browser, "blocked")
    assert recorded.get_attribute("data-code") == "consent_used"
    transfers = browser.find_elements(By.CSS_SELECTOR, "#transfers li")
    assert len(transfers) == 2
    _both_widths(browser, screenshots, "recorded")

    # One accepted credit becomes an exemption of the university's own course.
    browser.find_elements(By.CSS_SELECTOR, "#transfers a.exemptions-link")[-1].click()
    entry = Select(_wait_for(browser, "entry-0"))
    entry.select_by_index(1)
    browser.find_element(By.ID, "code-0").send_keys("ME201")
    browser.find_element(By.ID, "name-0").send_keys("机械制造基础")
    _both_widths(browser, screenshots, "exemptions")
    browser.find_element(By.ID, "save-exemptions").click()
    _wait_for(browser, "notice")
    assert "机械制造基础 (ME201)" in browser.find_element(By.ID, "entries").text
    # The same course again: refused with the reason, in the page's language.
    Select(browser.find_element(By.ID, "entry-0")).select_by_index(1)
    browser.find_element(By.ID, "code-0").send_keys("ME201")
    browser.find_element(By.ID, "name-0").send_keys("机械制造基础")
    browser.find_element(By.ID, "save-exemptions").click()
    assert _wait_for(browser, "error").get_attribute("data-code") == "exemption_exists"
    _both_widths(browser, screenshots, "exemptions-refused")

    # The learner's account shows both transfers and the exemption.
    learner.get(f"{url}/portal/account")
    _wait_for(learner, "transfers")
    shown = learner.find_element(By.ID, "transferred")
    assert len(shown.find_elements(By.CSS_SELECTOR, "tbody tr[class^=transfer-]")) == 2
    assert UNIVERSITY["name_zh"] in shown.text
    assert "机械制造基础 (ME201)" in shown.text

    # Recording again: the 409 page.
    again.find_element(By.ID, "record").click()
    error = _wait_for(again, "error")
    assert error.get_attribute("data-code") == "consent_used"
    _shot(again, screenshots / "workspace-409-1280.png")

    # The same POST /transfers from an enterprise, or without consent: 403 over HTTP.
    body = {"items": [{"jti": second["jti"], "position": 0}]}
    for key in (site["enterprise_key"], site["university_key"]):
        answer = httpx2.post(
            f"{url}/transfers", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "consent_required"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_new_pages_in_english_fit_the_screen(
    site: dict[str, Any],
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
    width: int,
) -> None:
    installation: DemoInstallation = site["server"]
    url = installation.url
    browser = browser_factory()
    browser.set_window_size(width, 900)
    browser.get(f"{url}/console/language/en?next=/console/sign-in")
    _sign_in(browser, url, site["registrar"]())
    browser.get(f"{url}/console/registrar")
    links = browser.find_elements(By.CSS_SELECTOR, "#applications a")
    if not links:  # run alone: no application yet
        pytest.skip("runs after the story above")
    links[0].click()
    _wait_for(browser, "report")
    exemptions = browser.find_elements(By.CSS_SELECTOR, "#transfers a.exemptions-link")
    assert exemptions, "the story recorded transfers"
    exemptions[-1].click()  # the application's transfer, which links back to it
    _wait_for(browser, "save-exemptions")
    assert "Exemptions" in browser.find_element(By.TAG_NAME, "h2").text
    _fits(browser, "exemptions")
    _shot(browser, screenshots / f"workspace-exemptions-en-{width}.png")
    browser.find_element(By.ID, "back").click()
    _wait_for(browser, "report")
    _fits(browser, "application")
    _shot(browser, screenshots / f"workspace-application-en-{width}.png")
    browser.get(site["request_url"])
    _wait_for(browser, "request-link")
    # Used by the recorded presentation: the page says so.
    assert browser.find_elements(By.CSS_SELECTOR, '[data-code="replayed_presentation"]')
    _fits(browser, "request")
    _shot(browser, screenshots / f"workspace-request-en-{width}.png")
