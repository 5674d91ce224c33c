"""The staff console in headless Chromium: password + TOTP, keys shown once, scope, CSRF,
idle timeout, and every console page at 390 px and 1280 px in Chinese and English.

The staff and units are made in the demo installation's database with the domain
factories; the TOTP codes are computed with pyotp, as an authenticator app would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from issuer.app import create_app
from tests.browser.conftest import DemoInstallation, start_server
from tests.issuer.staff_factories import StaffMember, make_staff, make_unit


def _engine(demo: DemoInstallation):  # type: ignore[no-untyped-def]
    return demo.server.app.state.engine


@pytest.fixture(scope="module")
def cities(demo_server: DemoInstallation) -> tuple[int, int]:
    engine = _engine(demo_server)
    province = make_unit(engine, "province", None, "河南省中心")
    return make_unit(engine, "sub_centre", province, "郑州"), make_unit(
        engine, "sub_centre", province, "洛阳"
    )


def _wait_for(browser: WebDriver, element_id: str) -> None:
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, element_id))


def _sign_in(browser: WebDriver, url: str, member: StaffMember) -> None:
    browser.get(f"{url}/console/sign-in")
    browser.find_element(By.ID, "login").send_keys(member.login)
    browser.find_element(By.ID, "password").send_keys(member.password)
    browser.find_element(By.ID, "sign-in").click()
    _wait_for(browser, "code")
    browser.find_element(By.ID, "code").send_keys(member.code())
    browser.find_element(By.ID, "submit-code").click()
    _wait_for(browser, "role")


def _fits(browser: WebDriver, what: str) -> None:
    scroll, inner = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth];"
    )
    wide = browser.execute_script(
        "return [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
        ".slice(0, 3).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + "
        "e.textContent.slice(0, 40));"
    )
    assert scroll <= inner, f"{what} is {scroll}px wide at {inner}px: {wide}"


def _shot(browser: WebDriver, path: Path) -> None:
    size = browser.get_window_size()
    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(size["width"], height + 120)
    browser.save_screenshot(str(path))
    browser.set_window_size(size["width"], size["height"])


def test_operator_signs_in_and_sees_a_new_key_once(
    demo_server: DemoInstallation, cities: tuple[int, int], browser: WebDriver
) -> None:
    operator = make_staff(_engine(demo_server), demo_server.settings, "operator")
    _sign_in(browser, demo_server.url, operator)
    assert "运营人员" in browser.find_element(By.ID, "role").text
    browser.find_element(By.ID, "nav-institutions").click()
    _wait_for(browser, "add-institution")
    browser.find_element(By.ID, "code").send_keys("LYNU")
    browser.find_element(By.ID, "name_zh").send_keys("洛阳师范学院（示例）")
    browser.find_element(By.ID, "name_en").send_keys("Luoyang Normal University (demo)")
    browser.find_element(By.CSS_SELECTOR, "#kind option[value=university]").click()
    browser.find_element(By.CSS_SELECTOR, f"#centre_id option[value='{cities[1]}']").click()
    browser.find_element(By.ID, "add-institution").click()
    _wait_for(browser, "api-key")
    key = browser.find_element(By.ID, "api-key").text
    assert key.startswith("cbk_")
    browser.find_element(By.ID, "back").click()
    _wait_for(browser, "institution-LYNU")
    assert "洛阳" in browser.find_element(By.ID, "institution-LYNU").text
    assert key not in browser.page_source
    # The key works against the API (an institution may open a learner account).
    from fastapi.testclient import TestClient

    with TestClient(demo_server.server.app) as api:
        response = api.get("/learners/999999/account", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code != 401


def test_a_zhengzhou_reviewer_cannot_open_luoyang(
    demo_server: DemoInstallation, cities: tuple[int, int], browser: WebDriver, screenshots: Path
) -> None:
    zhengzhou, luoyang = cities
    reviewer = make_staff(
        _engine(demo_server), demo_server.settings, "reviewer", centre_id=zhengzhou
    )
    _sign_in(browser, demo_server.url, reviewer)
    browser.get(f"{demo_server.url}/console/centres/{zhengzhou}")
    _wait_for(browser, "centre-name")
    assert "郑州" in browser.find_element(By.ID, "centre-name").text
    browser.get(f"{demo_server.url}/console/centres/{luoyang}")
    error = browser.find_element(By.ID, "error")
    assert error.get_attribute("data-code") == "out_of_scope"
    assert "超出您的权限范围" in error.text
    _shot(browser, screenshots / "console-out-of-scope-zh_Hans-1280.png")


def test_a_form_without_its_csrf_token_is_refused(
    demo_server: DemoInstallation, browser: WebDriver
) -> None:
    operator = make_staff(_engine(demo_server), demo_server.settings, "operator")
    _sign_in(browser, demo_server.url, operator)
    browser.get(f"{demo_server.url}/console/organisation")
    _wait_for(browser, "add-unit")
    browser.execute_script(
        "document.querySelectorAll('form[action=\"/console/organisation\"] input[name=csrf]')"
        ".forEach(e => e.remove());"
    )
    browser.find_element(By.ID, "code").send_keys("HN-X")
    browser.find_element(By.ID, "name_zh").send_keys("不应出现")
    browser.find_element(By.ID, "name_en").send_keys("Must not appear")
    browser.find_element(By.ID, "add-unit").click()
    _wait_for(browser, "error")
    error = browser.find_element(By.ID, "error")
    assert error.get_attribute("data-code") == "csrf_failed"
    assert "请刷新页面后重试" in error.text
    browser.get(f"{demo_server.url}/console/organisation")
    assert "不应出现" not in browser.page_source


def test_an_idle_session_goes_back_to_sign_in(
    demo_server: DemoInstallation, browser: WebDriver
) -> None:
    # A second server on the same database whose sessions end after 1.5 s without a request.
    app = create_app(demo_server.settings.model_copy(update={"staff_idle_minutes": 0.025}))
    server = start_server(app)
    try:
        operator = make_staff(_engine(demo_server), demo_server.settings, "operator")
        _sign_in(browser, server.url, operator)
        time.sleep(2.5)
        browser.get(f"{server.url}/console/staff")
        _wait_for(browser, "notice")
        assert browser.current_url.endswith("/console/sign-in?expired=1")
        assert "会话已结束" in browser.find_element(By.ID, "notice").text
    finally:
        server.stop()
        app.state.engine.dispose()


def _enrol(browser: WebDriver, url: str, member: StaffMember) -> None:
    browser.get(f"{url}/console/sign-in")
    browser.find_element(By.ID, "login").send_keys(member.login)
    browser.find_element(By.ID, "password").send_keys(member.password)
    browser.find_element(By.ID, "sign-in").click()
    _wait_for(browser, "enrol-qr")


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_console_page_fits_the_screen(
    demo_server: DemoInstallation,
    cities: tuple[int, int],
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
    width: int,
    language: str,
) -> None:
    """No console page scrolls sideways, on a phone or a desktop, in either language."""
    engine, settings, url = _engine(demo_server), demo_server.settings, demo_server.url
    browser = browser_factory()
    browser.set_window_size(width, 900)
    browser.get(f"{url}/console/language/{language}?next=/console/sign-in")
    tag = f"{language}-{width}"

    def page(name: str) -> None:
        _fits(browser, name)
        _shot(browser, screenshots / f"console-{name}-{tag}.png")

    page("sign-in")
    # First sign-in of a new account: the enrolment page with its QR code.
    newcomer = make_staff(engine, settings, "operator", enrolled=False)
    _enrol(browser, url, newcomer)
    page("enrol")
    secret = browser.find_element(By.ID, "secret").text.replace(" ", "")
    browser.find_element(By.ID, "code").send_keys(pyotp.TOTP(secret).now())
    browser.find_element(By.ID, "submit-code").click()
    _wait_for(browser, "role")
    page("home-operator")
    for name, element in (
        ("organisation", "add-unit"),
        ("institutions", "add-institution"),
        ("staff", "add-staff"),
    ):
        browser.get(f"{url}/console/{name}")
        _wait_for(browser, element)
        page(name)
    browser.get(f"{url}/console/centres/{cities[0]}")
    _wait_for(browser, "centre-name")
    page("centre")
    browser.get(f"{url}/console/staff")
    browser.find_element(By.ID, "login").send_keys(f"new.{language.lower()}.{width}")
    browser.find_element(By.ID, "name").send_keys("新同事")
    browser.find_element(By.ID, "add-staff").click()
    _wait_for(browser, "one-time-password")
    page("staff-created")
    browser.get(f"{url}/console/institutions")
    browser.find_elements(By.CSS_SELECTOR, "form[action$='/rotate'] button")[0].click()
    _wait_for(browser, "api-key")
    page("api-key")
    browser.find_element(By.ID, "sign-out").click()
    _wait_for(browser, "sign-in")
    # The code page and a refusal page, as a reviewer.
    reviewer = make_staff(engine, settings, "reviewer", centre_id=cities[0])
    browser.find_element(By.ID, "login").send_keys(reviewer.login)
    browser.find_element(By.ID, "password").send_keys(reviewer.password)
    browser.find_element(By.ID, "sign-in").click()
    _wait_for(browser, "code")
    page("code")
    browser.find_element(By.ID, "code").send_keys(reviewer.code())
    browser.find_element(By.ID, "submit-code").click()
    _wait_for(browser, "role")
    page("home-reviewer")
    browser.get(f"{url}/console/centres/{cities[1]}")
    _wait_for(browser, "error")
    page("out-of-scope")
