"""The reviewer's queue in headless Chromium: a 郑州 reviewer approves a held application and
the learner sees the credits in the portal; a 洛阳 reviewer is refused (``out_of_scope``);
the queue and a case fit 390 px and 1280 px in Chinese and English.

The application is recorded through the real API with a real institution key; the staff
sign in with password and a pyotp code, as an authenticator app would compute it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium")

from fastapi.testclient import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import DemoInstallation
from tests.browser.test_console import _fits, _shot, _sign_in, _wait_for
from tests.issuer.factories import new_national_id
from tests.issuer.staff_factories import make_staff, make_unit

PASSWORD = "learner portal password 1"
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def review_cities(demo_server: DemoInstallation) -> tuple[int, int]:
    engine = demo_server.server.app.state.engine
    province = make_unit(engine, "province", None, "河南省中心")
    return make_unit(engine, "sub_centre", province, "郑州"), make_unit(
        engine, "sub_centre", province, "洛阳"
    )


def _held_application(demo: DemoInstallation, centre: int) -> dict[str, Any]:
    """A 郑州 school, a learner with a password, and a level-1 certificate held for review."""
    n = next(_serial)
    with TestClient(demo.server.app) as api:
        school = api.post(
            "/institutions",
            json={
                "code": f"ZZRV{n}",
                "name_zh": f"郑州审核学院{n}",
                "name_en": f"Zhengzhou Review College {n}",
                "kind": "vocational_school",
                "centre_id": centre,
            },
            headers=demo.admin_headers,
        ).json()
        key = {"Authorization": f"Bearer {school['api_key']}"}
        learner = api.post(
            "/learners", json={"name": "王芳", "national_id": new_national_id()}, headers=key
        ).json()
        assert (
            api.put(
                f"/learners/{learner['id']}/password",
                json={"password": PASSWORD},
                headers=demo.admin_headers,
            ).status_code
            == 204
        )
        recorded = api.post(
            f"/learners/{learner['id']}/achievements",
            json={
                "kind": "vocational_cert",
                "occupation_name": "工业机器人系统运维员",
                "occupation_code": "6-31-01-10",
                "level": "一级",
                "certificate_number": f"ZZ-RV-2025-{n:04d}",
                "certifying_body": "郑州市职业技能鉴定中心",
                "completed_on": "2025-05-10",
            },
            headers=key,
        )
    assert recorded.status_code == 201, recorded.text
    recognition = recorded.json()["recognition"]
    assert recognition["status"] == "pending_review"
    return {"learner_id": learner["id"], "recognition_id": recognition["id"]}


def _portal_balance(browser: WebDriver, url: str, learner_id: int) -> str:
    browser.get(f"{url}/portal/sign-in")
    browser.find_element(By.ID, "learner_id").send_keys(str(learner_id))
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    _wait_for(browser, "balance")
    return str(browser.find_element(By.ID, "balance").text)


def test_a_zhengzhou_reviewer_approves_and_the_learner_sees_the_credits(
    demo_server: DemoInstallation,
    review_cities: tuple[int, int],
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
) -> None:
    engine, url = demo_server.server.app.state.engine, demo_server.url
    zhengzhou, luoyang = review_cities
    held = _held_application(demo_server, zhengzhou)
    rid = held["recognition_id"]
    learner = browser_factory()
    assert _portal_balance(learner, url, held["learner_id"]) == "0"

    # 洛阳's reviewer sees nothing of it and is refused when opening it.
    outsider = browser_factory()
    _sign_in(outsider, url, make_staff(engine, demo_server.settings, "reviewer", centre_id=luoyang))
    outsider.get(f"{url}/console/review")
    _wait_for(outsider, "queue")
    assert not outsider.find_elements(By.ID, f"recognition-{rid}")
    outsider.get(f"{url}/console/review/{rid}")
    error = outsider.find_element(By.ID, "error")
    assert error.get_attribute("data-code") == "out_of_scope"

    reviewer = browser_factory()
    _sign_in(
        reviewer, url, make_staff(engine, demo_server.settings, "reviewer", centre_id=zhengzhou)
    )
    reviewer.find_element(By.ID, "nav-review").click()
    _wait_for(reviewer, f"open-{rid}")
    reviewer.find_element(By.ID, f"open-{rid}").click()
    _wait_for(reviewer, "approve")
    assert "工业机器人系统运维员" in reviewer.find_element(By.ID, "evidence").text
    assert reviewer.find_element(By.ID, "proposed").text == "12"
    reviewer.find_element(By.ID, "approve").click()
    _wait_for(reviewer, "notice")
    assert "学分已存入" in reviewer.find_element(By.ID, "notice").text
    assert not reviewer.find_elements(By.ID, f"recognition-{rid}")

    learner.get(f"{url}/portal/account")
    _wait_for(learner, "balance")
    assert learner.find_element(By.ID, "balance").text == "12"
    assert "已认定" in learner.find_element(By.ID, f"review-{rid}").text
    _shot(learner, screenshots / "portal-reviewed-zh_Hans-1280.png")


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_review_pages_fit_the_screen(
    demo_server: DemoInstallation,
    review_cities: tuple[int, int],
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
    width: int,
    language: str,
) -> None:
    engine, url = demo_server.server.app.state.engine, demo_server.url
    held = _held_application(demo_server, review_cities[0])
    browser = browser_factory()
    browser.set_window_size(width, 900)
    browser.get(f"{url}/console/language/{language}?next=/console/sign-in")
    member = make_staff(engine, demo_server.settings, "reviewer", centre_id=review_cities[0])
    _sign_in(browser, url, member)
    tag = f"{language}-{width}"
    browser.get(f"{url}/console/review")
    _wait_for(browser, "queue")
    _fits(browser, "review queue")
    _shot(browser, screenshots / f"console-review-queue-{tag}.png")
    browser.get(f"{url}/console/review/{held['recognition_id']}")
    _wait_for(browser, "decide")
    _fits(browser, "review case")
    _shot(browser, screenshots / f"console-review-item-{tag}.png")
    browser.find_element(By.ID, "material-reason").send_keys("请补充证书扫描件 / scan please")
    browser.find_element(By.ID, "more-material").click()
    _wait_for(browser, "notice")
    learner = browser_factory()
    learner.set_window_size(width, 900)
    learner.get(f"{url}/portal/language/{language}?next=/portal/sign-in")
    _portal_balance(learner, url, held["learner_id"])
    _fits(learner, "portal with a request for material")
    assert "scan please" in learner.find_element(By.ID, f"review-{held['recognition_id']}").text
    learner.find_element(By.ID, "reviews").location_once_scrolled_into_view  # noqa: B018
    _shot(learner, screenshots / f"portal-more-material-{tag}.png")
