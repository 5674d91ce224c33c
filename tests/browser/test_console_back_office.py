"""The operator's back office in headless Chromium: audit trail → filter → CSV, a learner
found by the full national ID, a credential suspended with a reason and then seen in the
audit trail, the statistics page with its charts; every page at 390 and 1280 px in
Chinese and English.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlmodel import Session

from issuer.models import Institution
from tests.browser.conftest import DemoInstallation
from tests.browser.test_console import _fits, _shot, _sign_in
from tests.issuer.factories import new_national_id
from tests.issuer.staff_factories import StaffMember, make_staff, make_unit


def _wait_for(browser: WebDriver, element_id: str) -> None:
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, element_id))


def _cookies(browser: WebDriver) -> dict[str, str]:
    return {c["name"]: c["value"] for c in browser.get_cookies()}


@pytest.fixture(scope="module")
def learner(demo_server: DemoInstallation) -> tuple[dict[str, Any], str]:
    """A learner of the demo institution, opened over HTTP, and their full national ID."""
    number = new_national_id()
    response = httpx2.post(
        f"{demo_server.url}/learners",
        json={"name": "欧阳控制台", "national_id": number},
        headers={"Authorization": f"Bearer {demo_server.result.institution_api_key}"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body, number


def _operator(demo: DemoInstallation) -> StaffMember:
    return make_staff(demo.server.app.state.engine, demo.settings, "operator")


def test_operator_walks_the_audit_trail_and_exports_it(
    demo_server: DemoInstallation, browser: WebDriver, learner: tuple[dict[str, Any], str]
) -> None:
    url = demo_server.url
    _sign_in(browser, url, _operator(demo_server))
    browser.find_element(By.ID, "nav-audit").click()
    _wait_for(browser, "events")
    assert browser.find_elements(By.CSS_SELECTOR, "tr[data-action='credential.issue']")
    Select(browser.find_element(By.ID, "action")).select_by_value("learner.create")
    browser.find_element(By.ID, "target").send_keys(f"learner:{learner[0]['id']}")
    browser.find_element(By.ID, "filter").click()
    WebDriverWait(browser, 10).until(lambda d: "target=" in d.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "#events tbody tr[data-action]")
    assert [r.get_attribute("data-action") for r in rows] == ["learner.create"]
    assert "开设学习者账户" in rows[0].text
    href = browser.find_element(By.ID, "export-csv").get_attribute("href")
    assert href is not None and "action=learner.create" in href
    # The link as the browser would download it, with the browser's own session cookie.
    exported = httpx2.get(href, cookies=_cookies(browser))
    assert exported.status_code == 200
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["action"], r["subject"]) for r in table] == [
        ("learner.create", f"learner:{learner[0]['id']}")
    ]


def test_operator_finds_a_learner_by_the_full_id_and_suspends_a_credential(
    demo_server: DemoInstallation, browser: WebDriver, learner: tuple[dict[str, Any], str]
) -> None:
    url = demo_server.url
    _sign_in(browser, url, _operator(demo_server))
    browser.get(f"{url}/console/learners")
    browser.find_element(By.ID, "national_id").send_keys(learner[1])
    browser.find_element(By.ID, "search-id").click()
    # The list page before the search may show the learner too: wait for the answer page.
    WebDriverWait(browser, 10).until(lambda d: "/learners/search" in d.current_url)
    _wait_for(browser, f"learner-{learner[0]['id']}")
    assert learner[1] not in browser.page_source
    assert learner[1] not in browser.current_url

    jti = demo_server.result.credential["jti"]
    browser.get(f"{url}/console/credentials")
    browser.find_element(By.CSS_SELECTOR, f"#credential-{jti} a").click()
    _wait_for(browser, "status-form")
    Select(browser.find_element(By.ID, "new-status")).select_by_value("suspended")
    browser.find_element(By.ID, "reason").send_keys("学员申诉，证书信息待核实")
    browser.find_element(By.ID, "change-status").click()
    _wait_for(browser, "notice")
    assert browser.find_element(By.ID, "status").get_attribute("data-status") == "suspended"
    browser.find_element(By.LINK_TEXT, "此证书的审计日志").click()
    _wait_for(browser, "events")
    suspended = browser.find_element(By.CSS_SELECTOR, "tr[data-action='credential.suspended']")
    assert "学员申诉，证书信息待核实" in suspended.text and "暂停证书" in suspended.text
    # Reinstated again, so the other tests find the demo credential as issued.
    browser.get(f"{url}/console/credentials/{jti}")
    Select(browser.find_element(By.ID, "new-status")).select_by_value("active")
    browser.find_element(By.ID, "reason").send_keys("核实无误")
    browser.find_element(By.ID, "change-status").click()
    _wait_for(browser, "notice")
    assert browser.find_element(By.ID, "status").get_attribute("data-status") == "active"


def test_statistics_page_shows_its_charts(
    demo_server: DemoInstallation, browser: WebDriver
) -> None:
    url = demo_server.url
    _sign_in(browser, url, _operator(demo_server))
    browser.find_element(By.ID, "nav-statistics").click()
    _wait_for(browser, "chart-credits")
    for name in ("credits", "deposits", "applications", "credentials", "accounts", "transfers"):
        image = browser.find_element(By.ID, f"chart-{name}")
        WebDriverWait(browser, 10).until(
            lambda d, i=image: d.execute_script("return arguments[0].naturalWidth;", i) > 0
        )
    Select(browser.find_element(By.ID, "by")).select_by_value("centre")
    browser.find_element(By.ID, "filter").click()
    WebDriverWait(browser, 10).until(lambda d: "by=centre" in d.current_url)
    groups = {
        r.get_attribute("data-group")
        for r in browser.find_elements(By.CSS_SELECTOR, "#figures tr[data-group]")
    }
    with Session(demo_server.server.app.state.engine) as session:
        school = session.get(Institution, demo_server.result.institution_id)
        assert school is not None
    # The demo institution is attached to no centre: its figures are under no_centre.
    assert "no_centre" in groups and school.code not in groups


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_back_office_page_fits_the_screen(
    demo_server: DemoInstallation,
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
    learner: tuple[dict[str, Any], str],
    width: int,
    language: str,
) -> None:
    """No back-office page scrolls sideways, on a phone or a desktop, in either language."""
    url = demo_server.url
    browser = browser_factory()
    browser.set_window_size(width, 900)
    browser.get(f"{url}/console/language/{language}?next=/console/sign-in")
    _sign_in(browser, url, _operator(demo_server))
    tag = f"{language}-{width}"
    keep = Path("/tmp/opc/shots")
    keep.mkdir(parents=True, exist_ok=True)

    def page(name: str, path: str, element: str) -> None:
        browser.get(f"{url}{path}")
        _wait_for(browser, element)
        _fits(browser, name)
        shot = screenshots / f"console-{name}-{tag}.png"
        _shot(browser, shot)
        shutil.copy(shot, keep / shot.name)

    jti = demo_server.result.credential["jti"]
    page("audit", "/console/audit", "events")
    page("learners", "/console/learners?name=欧阳", "learners")
    page("learner", f"/console/learners/{demo_server.result.learner_id}", "entries")
    page("credentials", "/console/credentials", "credentials")
    page("credential", f"/console/credentials/{jti}", "status-form")
    page("keys", "/console/keys", "keys")
    page("statistics", "/console/statistics", "chart-credits")
    page("home-operator-back-office", "/console", "role")


@pytest.mark.parametrize("width", [390, 1280])
def test_operator_reads_refused_attempts_in_words(
    demo_server: DemoInstallation, browser: WebDriver, screenshots: Path, width: int
) -> None:
    url = demo_server.url
    institution = {"Authorization": f"Bearer {demo_server.result.institution_api_key}"}
    refused = httpx2.post(
        f"{url}/imports",
        data={"kind": "learners"},
        files=[("file", ("名单.csv", "姓名,手机\n张三,1\n".encode(), "text/csv"))],
        headers=institution,
    )
    assert refused.status_code == 422 and refused.json()["code"] == "csv_header"
    browser.set_window_size(width, 900)
    _sign_in(browser, url, _operator(demo_server))
    browser.get(f"{url}/console/audit?action=import_job.refused.")
    _wait_for(browser, "events")
    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-action='import_job.refused.csv_header']")
    assert rows and "CSV 上传被拒绝：首行缺少所需的列" in rows[-1].text
    assert "csv_header" in rows[-1].text  # the code, as the event's reason
    _fits(browser, "audit-refusals")
    _shot(browser, screenshots / f"console-audit-refusals-zh_Hans-{width}.png")


def test_a_centre_manager_sees_the_statistics_of_their_centre(
    demo_server: DemoInstallation, browser: WebDriver, screenshots: Path
) -> None:
    engine = demo_server.server.app.state.engine
    province = make_unit(engine, "province", None, "河南省中心")
    centre = make_unit(engine, "sub_centre", province, "开封")
    manager = make_staff(engine, demo_server.settings, "centre_manager", centre_id=centre)
    browser.set_window_size(390, 900)
    _sign_in(browser, demo_server.url, manager)
    browser.find_element(By.CSS_SELECTOR, "a[href='/console/statistics']").click()
    _wait_for(browser, "chart-credits")
    # The demo institution is attached to no centre: none of its figures are shown here.
    assert not browser.find_elements(By.CSS_SELECTOR, "#figures tr[data-group]")
    _fits(browser, "statistics-centre-manager")
    shot = screenshots / "console-statistics-centre-manager-zh_Hans-390.png"
    _shot(browser, shot)
    shutil.copy(shot, Path("/tmp/opc/shots") / shot.name)
