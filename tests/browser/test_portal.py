"""The learner portal in headless Chromium: sign in, see the account, download the PDF.

The demo learner gets a password through the admin API, signs in through the form,
sees the overview (balance, entries, progress bar), downloads the PDF certificate of
the demo credential, and the QR printed in that PDF opens as a valid credential for
the Python verifier. Screenshots of the page and of the PDF (rendered with pdftoppm)
land in the session's screenshot directory.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

pytest.importorskip("selenium")

from fastapi.testclient import TestClient
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from issuer.core.labels import DOMAINS
from tests.browser.conftest import DemoInstallation
from verifier import TrustBundle, verify, verify_ob3_ldp
from verifier._input import read_qr_image

PASSWORD = "demo learner password"


@pytest.fixture(scope="module")
def signed_up(demo_server: DemoInstallation) -> int:
    """The demo learner's id, with a password set by the operator."""
    learner_id = demo_server.result.learner_id
    with TestClient(demo_server.server.app) as api:
        response = api.put(
            f"/learners/{learner_id}/password",
            json={"password": PASSWORD},
            headers=demo_server.admin_headers,
        )
    assert response.status_code == 204, response.text
    return learner_id


def _sign_in(browser: WebDriver, url: str, learner_id: int, password: str) -> None:
    browser.get(f"{url}/portal/sign-in")
    browser.find_element(By.ID, "learner_id").send_keys(str(learner_id))
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "sign-in").click()


def _wait_for_file(directory: Path, suffix: str, timeout: float = 15) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in directory.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file was downloaded to {directory}")


def test_wrong_password_shows_a_message(
    demo_server: DemoInstallation, signed_up: int, browser: WebDriver
) -> None:
    _sign_in(browser, demo_server.url, signed_up, "wrong password")
    error = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "error"))
    assert "账户号或密码不正确" in error.text
    assert browser.get_cookie("cb_session") is None


def test_sign_in_overview_and_pdf_download(
    demo_server: DemoInstallation,
    signed_up: int,
    browser: WebDriver,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    _sign_in(browser, demo_server.url, signed_up, PASSWORD)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "overview"))
    assert browser.current_url.endswith("/portal/account")
    cookie = browser.get_cookie("cb_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    balance = demo_server.result.account["balance"]
    shown_balance = browser.find_element(By.ID, "balance").text
    assert float(shown_balance) == balance
    entries = browser.find_element(By.ID, "entries").text
    assert "课程学时学分转换通用规则" in entries and "GE-HOURS@1" not in entries
    # The qualification text names domains in words, never by their code.
    progress = browser.find_element(By.ID, "progress").text
    assert "领域学分" in progress
    assert not any(f"{code} 领域" in progress or f"{code}领域" in progress for code in DOMAINS)
    assert browser.find_elements(By.ID, "progress-bar")
    browser.save_screenshot(str(screenshots / "portal-account.png"))

    jti = demo_server.result.credential["jti"]
    browser.find_element(By.CSS_SELECTOR, f'a.pdf[href$="/{jti}/certificate.pdf"]').click()
    pdf = _wait_for_file(downloads, ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert jti in PdfReader(pdf).pages[0].extract_text()

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is missing: the PDF's QR is not checked")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-singlefile",
            str(pdf),
            str(screenshots / "certificate"),
        ],
        check=True,
        timeout=60,
    )
    qr_text = read_qr_image((screenshots / "certificate.png").read_bytes())
    assert qr_text == demo_server.qr_text
    with TestClient(demo_server.server.app) as api:
        bundle = api.get("/trust-bundle").text
    anchor = demo_server.server.app.state.keystore.anchor_jwk()
    assert verify(qr_text, TrustBundle.from_bytes(bundle, anchor)).credential.jti == jti


def test_data_integrity_badge_downloads_as_json_ld(
    demo_server: DemoInstallation,
    signed_up: int,
    browser: WebDriver,
    tmp_path: Path,
) -> None:
    # Runs before the width and language screenshots below, so they show its link.
    with TestClient(demo_server.server.app) as api:
        response = api.post(
            f"/learners/{signed_up}/credentials/ob3-ldp",
            json={"entry_id": demo_server.result.entry_ids[0]},
            headers=demo_server.admin_headers,
        )
        assert response.status_code == 201, response.text
        bundle = api.get("/trust-bundle").text
    jti = response.json()["jti"]
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    _sign_in(browser, demo_server.url, signed_up, PASSWORD)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "overview"))
    browser.find_element(By.CSS_SELECTOR, f'a.ld[href$="/{jti}/token"]').click()
    downloaded = _wait_for_file(downloads, ".json")
    assert downloaded.name == f"ob3-{jti}.json"
    anchor = demo_server.server.app.state.keystore.anchor_jwk()
    verified = verify_ob3_ldp(downloaded.read_text("utf-8"), TrustBundle.from_bytes(bundle, anchor))
    assert verified.credential["id"] == f"urn:uuid:{jti}"


def _fits(browser: WebDriver) -> tuple[int, int]:
    return browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth];"
    )


def _whole_page(browser: WebDriver, path: Path) -> None:
    """A screenshot of the whole page: the window made as tall as the page, then put back."""
    size = browser.get_window_size()
    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(size["width"], height + 120)
    browser.save_screenshot(str(path))
    browser.set_window_size(size["width"], size["height"])


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_portal_page_fits_the_screen(
    demo_server: DemoInstallation,
    signed_up: int,
    browser: WebDriver,
    screenshots: Path,
    width: int,
    language: str,
) -> None:
    """No page of the portal scrolls sideways, on a phone or a desktop, in either language."""
    browser.set_window_size(width, 900)
    browser.get(f"{demo_server.url}/portal/language/{language}?next=/portal/sign-in")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language.replace(
        "_", "-"
    )
    pages = {"sign-in": browser.current_url}
    scroll, inner = _fits(browser)
    assert scroll <= inner, f"sign-in is {scroll}px wide at {inner}px"
    _whole_page(browser, screenshots / f"portal-sign-in-{language}-{width}.png")
    _sign_in(browser, demo_server.url, signed_up, PASSWORD)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "overview"))
    pages["account"] = browser.current_url
    scroll, inner = _fits(browser)
    assert scroll <= inner, f"account is {scroll}px wide at {inner}px"
    _whole_page(browser, screenshots / f"portal-account-{language}-{width}.png")
    browser.find_element(By.ID, "wallet-offer").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "tx-code"))
    scroll, inner = _fits(browser)
    assert scroll <= inner, f"wallet offer is {scroll}px wide at {inner}px"
    _whole_page(browser, screenshots / f"portal-wallet-{language}-{width}.png")
