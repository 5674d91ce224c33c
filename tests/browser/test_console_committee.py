"""The standards editor and the committee workspace in headless Chromium.

An operator drafts a new AM-VOC version from the one in force, raises a level in the rule
form, dates it today and submits it; three committee members (console accounts of role
committee, linked to their member records) each approve it with a reason; the version is
in force, and the engine uses it for an achievement completed on that date. Every page of
the editor and the workspace fits 390 px and 1280 px in Chinese and English.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium")

from fastapi.testclient import TestClient
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import DemoInstallation
from tests.browser.test_console import _fits, _shot, _sign_in, _wait_for
from tests.issuer.factories import new_national_id
from tests.issuer.staff_factories import StaffMember, make_staff

_serial = itertools.count(1)


def _submit(browser: WebDriver, button: str, then: str) -> None:
    """Click ``button`` and wait for the next page (not the old one) to show ``then``."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, button).click()

    def gone(_driver: WebDriver) -> bool:
        # Chromium may answer for a node of the page just left with "does not belong to
        # the document" instead of a stale-element error: both mean the page has changed.
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(browser, 10).until(gone)
    _wait_for(browser, then)


def _board(demo: DemoInstallation) -> list[StaffMember]:
    """Three console accounts of role committee, their members, and a new standards panel."""
    engine = demo.server.app.state.engine
    accounts = []
    with TestClient(demo.server.app) as api:
        ids = []
        for category in ("education", "industry", "enterprise"):
            account = make_staff(engine, demo.settings, "committee")
            created = api.post(
                "/committee/members",
                json={
                    "name": f"专家{category}{account.id}",
                    "category": category,
                    "staff_id": account.id,
                },
                headers=demo.admin_headers,
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
            accounts.append(account)
        formed = api.post(
            "/committee/panels",
            json={"name": f"标准评审组 {next(_serial)}", "purpose": "standards", "member_ids": ids},
            headers=demo.admin_headers,
        )
        assert formed.status_code == 201, formed.text
    return accounts


def _current_am(demo: DemoInstallation) -> dict[str, Any]:
    with TestClient(demo.server.app) as api:
        rows = api.get("/standards").json()
    (row,) = [r for r in rows if r["standard_id"] == "AM-VOC" and r["status"] == "effective"]
    return row


def _draft_raise_and_submit(browser: WebDriver, url: str) -> str:
    """As the signed-in operator: draft AM-VOC, set robot-ops 四级 to 10, date it, submit."""
    browser.get(f"{url}/console/standards")
    _wait_for(browser, "draft-AM-VOC")
    _submit(browser, "draft-AM-VOC", "edit-robot-ops")
    ref = browser.find_element(By.ID, "standard-ref").text.split(" ")[0]
    _submit(browser, "edit-robot-ops", "rule-levels")
    levels = browser.find_element(By.ID, "rule-levels")
    levels.clear()
    levels.send_keys("五级=4; 四级=10; 三级=12; 二级=16; 一级=24")
    _submit(browser, "save-rule", "diff")
    assert "/rules/0/levels/四级" in browser.find_element(By.ID, "diff").text
    assert browser.find_elements(By.CSS_SELECTOR, "#preview tr.changed")
    today = datetime.now(UTC).date()
    # The date input takes the browser's locale format; set its value as ISO text.
    browser.execute_script(
        "document.getElementById('effective_from').value = arguments[0];", today.isoformat()
    )
    _submit(browser, "set-date", "effective-from")
    assert browser.find_element(By.ID, "effective-from").text == today.isoformat()
    _submit(browser, "submit-standard", "standard-status")
    assert browser.find_element(By.ID, "standard-status").get_attribute("data-status") == (
        "under_review"
    )
    return ref


def _vote(browser: WebDriver, url: str, member: StaffMember, ref: str, reason: str) -> str:
    browser.delete_all_cookies()
    _sign_in(browser, url, member)
    browser.find_element(By.ID, "nav-committee").click()
    _wait_for(browser, "cases")
    row = [
        r
        for r in browser.find_elements(By.CSS_SELECTOR, "#cases tbody tr")
        if f"standard:{ref}" in r.text
    ]
    assert row, f"the case on {ref} is not listed"
    row[0].find_element(By.CSS_SELECTOR, "a").click()
    _wait_for(browser, "evidence")
    assert ref in browser.find_element(By.ID, "evidence").text
    browser.find_element(By.ID, "choice-approve").click()
    browser.find_element(By.ID, "comment").send_keys(reason)
    _submit(browser, "cast-vote", "votes")
    return str(browser.find_element(By.ID, "case-status").get_attribute("data-status"))


def test_three_members_approve_a_new_am_version_that_takes_effect_on_its_date(
    demo_server: DemoInstallation,
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
) -> None:
    url, engine = demo_server.url, demo_server.server.app.state.engine
    board = _board(demo_server)
    before = _current_am(demo_server)
    browser = browser_factory()
    _sign_in(browser, url, make_staff(engine, demo_server.settings, "operator"))
    ref = _draft_raise_and_submit(browser, url)
    assert ref == f"AM-VOC@{before['version'] + 1}"
    statuses = [
        _vote(browser, url, member, ref, f"四级提高到5学分合理 / fair ({n})")
        for n, member in enumerate(board)
    ]
    assert statuses == ["open", "open", "approve"]
    assert browser.find_element(By.ID, "outcome").is_displayed()
    _shot(browser, screenshots / "console-committee-outcome-zh_Hans-1280.png")
    assert _current_am(demo_server)["version"] == before["version"] + 1

    # The engine uses the new version for a certificate completed on its date.
    with TestClient(demo_server.server.app) as api:
        learner = api.post(
            "/learners",
            json={"name": "赵强", "national_id": new_national_id()},
            headers=demo_server.admin_headers,
        ).json()
        school = api.post(
            "/institutions",
            json={
                "code": f"AMV{next(_serial)}",
                "name_zh": "测试技师学院",
                "name_en": "Test technician college",
                "kind": "vocational_school",
            },
            headers=demo_server.admin_headers,
        ).json()
        recorded = api.post(
            f"/learners/{learner['id']}/achievements",
            json={
                "kind": "vocational_cert",
                "occupation_name": "工业机器人系统运维员",
                "occupation_code": "6-31-01-10",
                "level": "四级",
                "certificate_number": f"AMV-{next(_serial):05d}",
                "certifying_body": "某市职业技能鉴定中心",
                "completed_on": datetime.now(UTC).date().isoformat(),
            },
            headers={"Authorization": f"Bearer {school['api_key']}"},
        )
    assert recorded.status_code == 201, recorded.text
    decision = recorded.json()["decision"]
    assert (decision["standard"], decision["half_credits"]) == (ref, 10)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_editor_and_the_workspace_fit_the_screen(
    demo_server: DemoInstallation,
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
    width: int,
    language: str,
) -> None:
    url, engine = demo_server.url, demo_server.server.app.state.engine
    browser = browser_factory()
    browser.set_window_size(width, 900)
    browser.get(f"{url}/console/language/{language}?next=/console/sign-in")
    tag = f"{language}-{width}"

    def page(name: str) -> None:
        _fits(browser, name)
        _shot(browser, screenshots / f"console-{name}-{tag}.png")

    board = _board(demo_server)
    _sign_in(browser, url, make_staff(engine, demo_server.settings, "operator"))
    browser.get(f"{url}/console/standards")
    _wait_for(browser, "standards")
    page("standards")
    _submit(browser, "draft-AM-VOC", "edit-robot-ops")
    _submit(browser, "edit-robot-ops", "rule-levels")
    page("standard-draft")
    _submit(browser, "submit-standard", "standard-status")
    ref = browser.find_element(By.ID, "standard-ref").text.split(" ")[0]
    browser.delete_all_cookies()
    browser.get(f"{url}/console/language/{language}?next=/console/sign-in")
    _sign_in(browser, url, board[0])
    page("home-committee")
    browser.get(f"{url}/console/committee")
    _wait_for(browser, "cases")
    page("committee-cases")
    link = [
        r.find_element(By.CSS_SELECTOR, "a")
        for r in browser.find_elements(By.CSS_SELECTOR, "#cases tbody tr")
        if f"standard:{ref}" in r.text
    ]
    link[0].click()
    _wait_for(browser, "cast-vote")
    page("committee-case")
