"""The learner acts from the portal in headless Chromium, on a phone-sized window, in Chinese.

A new learner of the demo installation (a password, four courses, enough vocational and
general credits for the associate degree in intelligent manufacturing) signs in at 390 px,
disputes their second entry from that entry, chooses entries for a certificate and
downloads its PDF (rendered with pdftoppm: the seal is on it, the QR verifies), opens the
wallet offer, whose link parses back to the live offer, and last (it spends the credits)
redeems the qualification after its confirmation; a second try is refused. Every page is
checked for sideways scrolling at 390 px and photographed at 390 and 1280 px.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import httpx2
import pytest

pytest.importorskip("selenium")

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from issuer.bank import ledger
from issuer.models import Achievement, Dispute
from tests.browser.conftest import DemoInstallation
from tests.browser.test_portal import _fits, _sign_in, _wait_for_file, _whole_page
from tests.issuer.committee_factories import panel, trio
from tests.issuer.factories import course, create_institution, new_national_id
from verifier import TrustBundle, verify
from verifier._input import read_qr_image
from wallet import parse_offer

PASSWORD = "learner acts password"
GROUNDS = "实训课时少记了 16 学时，请按实际 48 学时认定。"


@pytest.fixture(scope="module")
def learner(demo_server: DemoInstallation) -> dict[str, Any]:
    """A learner with a password, two courses through the API and credits for AM-ASSOC."""
    admin = demo_server.admin_headers
    with TestClient(demo_server.server.app) as api:
        inst = create_institution(api, admin)
        panel(api, admin, "disputes", trio(api, admin))
        body = {"name": "王小红", "national_id": new_national_id(), "password": PASSWORD}
        created = api.post("/learners", json=body, headers=admin)
        assert created.status_code == 201, created.text
        learner: dict[str, Any] = created.json()
        for title, hours in (("机械制图基础", 32), ("液压与气动技术", 48)):
            response = api.post(
                f"/learners/{learner['id']}/courses",
                json=course(title=title, hours=hours),
                headers=inst["headers"],
            )
            assert response.status_code == 201, response.text
    engine = demo_server.server.app.state.engine
    with Session(engine) as session:
        for domain, kind, half, title in (
            ("AM", "course", 60, "数控加工技术"),
            ("AM", "vocational_cert", 40, "工业机器人系统运维员（四级）"),
            ("GE", "course", 30, "大学英语"),
            ("AI", "online_course", 40, "人工智能导论（在线课程）"),
        ):
            achievement = Achievement(
                learner_id=learner["id"],
                institution_id=inst["id"],
                kind=kind,
                title=title,
                domain=domain,
                completed_on=date(2026, 6, 30),
            )
            session.add(achievement)
            session.flush()
            ledger.append(
                session,
                learner_id=learner["id"],
                kind="deposit",
                half_credits=half,
                domain=domain,
                standard="AM-VOC@1",
                rule="browser test",
                explanation="课程学分认定\ncourse credits recognised",
                achievement_id=achievement.id,
            )
        session.commit()
    return learner


def _look(browser: WebDriver, shots: Path, name: str) -> None:
    """Assert the page fits 390 px, photograph it there and at 1280 px, and go back to 390."""
    scroll, inner = _fits(browser)
    assert scroll <= inner, f"{name} is {scroll}px wide at {inner}px"
    _whole_page(browser, shots / f"{name}-390.png")
    browser.set_window_size(1280, 900)
    _whole_page(browser, shots / f"{name}-1280.png")
    browser.set_window_size(390, 900)


def _phone(browser: WebDriver, demo_server: DemoInstallation, learner: dict[str, Any]) -> None:
    browser.set_window_size(390, 900)
    _sign_in(browser, demo_server.url, learner["id"], PASSWORD)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "overview"))


def test_dispute_another_entry(
    demo_server: DemoInstallation, learner: dict[str, Any], browser: WebDriver, screenshots: Path
) -> None:
    _phone(browser, demo_server, learner)
    _look(browser, screenshots, "acts-account")
    browser.find_element(By.ID, "dispute-entry-2").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "dispute-form"))
    assert "对第 2 条明细提出申诉" in browser.find_element(By.TAG_NAME, "h2").text
    _look(browser, screenshots, "acts-dispute-form")
    browser.find_element(By.ID, "grounds").send_keys(GROUNDS)
    browser.find_element(By.ID, "dispute-submit").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "dispute-facts"))
    assert browser.find_element(By.ID, "grounds").text == GROUNDS
    assert "评审组" in browser.find_element(By.ID, "state").text
    _look(browser, screenshots, "acts-dispute")
    with Session(demo_server.server.app.state.engine) as session:
        dispute = session.exec(
            select(Dispute).where(col(Dispute.learner_id) == learner["id"])
        ).one()
        assert ledger.seqs(session, [dispute.ledger_entry_id]) == {dispute.ledger_entry_id: 2}

    browser.get(f"{demo_server.url}/portal/entries/2/dispute")
    assert browser.find_elements(By.ID, "pending")  # a second dispute is not offered
    browser.find_element(By.ID, "nav-disputes").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "dispute-list"))
    assert "审理中" in browser.find_element(By.ID, "dispute-list").text
    _look(browser, screenshots, "acts-disputes")


def test_download_a_certificate_that_looks_like_one(
    demo_server: DemoInstallation,
    learner: dict[str, Any],
    browser: WebDriver,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    _phone(browser, demo_server, learner)
    browser.find_element(By.ID, "nav-certificates").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "certificate-form"))
    _look(browser, screenshots, "acts-certificates")
    browser.find_element(By.ID, "certificate-submit").click()  # nothing chosen
    error = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "error"))
    assert error.get_attribute("data-code") == "none_chosen"
    for seq in ("1", "2"):
        browser.find_element(By.ID, f"entry-{seq}").click()
    browser.find_element(By.ID, "certificate-submit").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "fresh"))
    _look(browser, screenshots, "acts-certificates-new")
    browser.find_element(By.CSS_SELECTOR, ".card.fresh a.pdf").click()
    pdf = _wait_for_file(downloads, ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is missing: the PDF is not looked at")
    out = screenshots / "acts-certificate"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(out)],
        check=True,
        timeout=60,
    )
    page = np.asarray(Image.open(f"{out}.png").convert("RGB")).astype(int)
    red = (page[..., 0] > 150) & (page[..., 1] < 110) & (page[..., 2] < 110)
    assert red.sum() > 4000  # the seal is printed
    qr_text = read_qr_image(Path(f"{out}.png").read_bytes())
    with TestClient(demo_server.server.app) as api:
        bundle = api.get("/trust-bundle").text
    anchor = demo_server.server.app.state.keystore.anchor_jwk()
    verified = verify(qr_text, TrustBundle.from_bytes(bundle, anchor))
    assert [e.title for e in verified.credential.entries] == ["机械制图基础", "液压与气动技术"]


def test_open_the_wallet_offer_link(
    demo_server: DemoInstallation, learner: dict[str, Any], browser: WebDriver, screenshots: Path
) -> None:
    _phone(browser, demo_server, learner)
    browser.find_element(By.ID, "wallet-offer").click()
    link = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "offer-link"))
    href = link.get_attribute("href")
    # By reference: a short URL in the QR code and the link, which the wallet fetches.
    assert href is not None
    assert href.startswith("openid-credential-offer://?credential_offer_uri=http")
    assert link.is_displayed() and link.size["width"] > 0
    _look(browser, screenshots, "acts-wallet")
    with httpx2.Client() as http:  # from the live server, as a wallet on the phone would
        offer = parse_offer(href, http)
    assert offer.credential_issuer == demo_server.url
    tx_code = browser.find_element(By.ID, "tx-code").text
    with TestClient(demo_server.server.app) as api:
        token = api.post(
            "/oid4vci/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                "pre-authorized_code": offer.pre_authorized_code,
                "tx_code": tx_code,
            },
        )
    assert token.status_code == 200, token.text


def test_redeem_a_qualification(
    demo_server: DemoInstallation, learner: dict[str, Any], browser: WebDriver, screenshots: Path
) -> None:
    _phone(browser, demo_server, learner)
    browser.find_element(By.ID, "nav-qualifications").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "progress"))
    cards = browser.find_elements(By.CSS_SELECTOR, "#progress .card")
    assert cards[0].get_attribute("id") == "pathway-AM-ASSOC"  # the best fit first
    _look(browser, screenshots, "acts-qualifications")
    browser.find_element(By.ID, "redeem-AM-ASSOC").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "redeem-confirm"))
    _look(browser, screenshots, "acts-redeem-confirm")
    browser.find_element(By.ID, "redeem-confirm").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "a.statement"))
    assert "智能制造技术专业（专科）" in browser.find_element(By.ID, "earned").text
    _look(browser, screenshots, "acts-qualifications-earned")

    browser.get(f"{demo_server.url}/portal/qualifications/AM-ASSOC/redeem")
    error = browser.find_element(By.ID, "error")
    assert error.get_attribute("data-code") == "already_redeemed"
    assert not browser.find_elements(By.ID, "redeem-confirm")
