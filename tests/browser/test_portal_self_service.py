"""A new learner in headless Chromium: open an account on a phone, reset the password by
email (a real SMTP server on 127.0.0.1), change it; every page fits 390 and 1280 px."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from issuer.app import create_app
from issuer.core import migrate
from tests.browser.conftest import LiveServer, demo_settings, free_port, start_server
from tests.browser.test_portal import _fits, _whole_page
from tests.issuer.factories import new_national_id
from tests.issuer.mailbox import Inbox, smtp_server

PASSWORD = "xuefen2026bank"


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Inbox]]:
    """A fresh installation whose mail goes to a local SMTP server, served live."""
    with smtp_server() as inbox:
        port = free_port()
        settings = demo_settings(
            tmp_path_factory.mktemp("self-service-home"),
            port,
            smtp_host="127.0.0.1",
            smtp_port=inbox.port,
        )
        migrate.upgrade(settings.db_url)
        app = create_app(settings)
        server = start_server(app, port)
        try:
            yield server, inbox
        finally:
            server.stop()
            app.state.engine.dispose()


def _fill(browser: WebDriver, values: dict[str, str]) -> None:
    for field, value in values.items():
        element = browser.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)


def _fits_and_shot(browser: WebDriver, path: Path) -> None:
    scroll, inner = _fits(browser)
    assert scroll <= inner, f"{browser.current_url} is {scroll}px wide at {inner}px"
    _whole_page(browser, path)


def _open_account(browser: WebDriver, url: str, nid: str, email: str = "") -> int:
    browser.get(f"{url}/portal/sign-in")
    browser.find_element(By.ID, "open-account").click()
    _fill(
        browser,
        {
            "name": "赵六",
            "national_id": nid,
            "mobile": "13912345678",
            "email": email,
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    browser.find_element(By.ID, "privacy").click()
    browser.find_element(By.ID, "register").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "account-number"))
    return int(browser.find_element(By.ID, "account-number").text)


def _sign_in(browser: WebDriver, url: str, number: int, password: str) -> None:
    browser.get(f"{url}/portal/sign-in")
    _fill(browser, {"learner_id": str(number), "password": password})
    browser.find_element(By.ID, "sign-in").click()


def test_a_new_learner_opens_an_account_on_a_phone_and_signs_in(
    mail_server: tuple[LiveServer, Inbox], browser: WebDriver, screenshots: Path
) -> None:
    server, _ = mail_server
    browser.set_window_size(390, 900)
    browser.get(f"{server.url}/portal/register")
    _fits_and_shot(browser, screenshots / "portal-register-zh_Hans-390.png")
    # A mistake first: the form says what is wrong, in Chinese, and keeps what was typed.
    _fill(browser, {"name": "赵六", "national_id": "41010519900101123X", "mobile": "13912345678"})
    _fill(browser, {"password": PASSWORD, "password_again": PASSWORD})
    browser.find_element(By.ID, "privacy").click()
    browser.find_element(By.ID, "register").click()
    error = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "error"))
    assert "身份证号无效" in error.text
    assert browser.find_element(By.ID, "name").get_attribute("value") == "赵六"
    _fits_and_shot(browser, screenshots / "portal-register-error-zh_Hans-390.png")
    number = _open_account(browser, server.url, new_national_id())
    _fits_and_shot(browser, screenshots / "portal-registered-zh_Hans-390.png")
    _sign_in(browser, server.url, number, PASSWORD)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "overview"))
    assert browser.find_element(By.ID, "change-password").text == "修改密码"


def test_a_learner_resets_the_password_by_email_and_changes_it(
    mail_server: tuple[LiveServer, Inbox], browser: WebDriver, screenshots: Path
) -> None:
    server, inbox = mail_server
    browser.set_window_size(1280, 900)
    browser.get(f"{server.url}/portal/language/en?next=/portal/sign-in")
    nid = new_national_id()
    number = _open_account(browser, server.url, nid, email="zhaoliu@example.test")
    browser.get(f"{server.url}/portal/sign-in")
    browser.find_element(By.ID, "forgot").click()
    _fits_and_shot(browser, screenshots / "portal-forgot-en-1280.png")
    _fill(browser, {"learner_id": str(number), "national_id": nid})
    before = len(inbox.messages)
    browser.find_element(By.ID, "send-code").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "sent"))
    assert len(inbox.messages) == before + 1
    code = inbox.last_code()
    _fits_and_shot(browser, screenshots / "portal-reset-en-1280.png")
    assert browser.find_element(By.ID, "learner_id").get_attribute("value") == str(number)
    _fill(
        browser,
        {
            "code": code,
            "new_password": "mailed2027pw",
            "new_password_again": "mailed2027pw",
        },
    )
    browser.find_element(By.ID, "reset").click()
    done = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "done"))
    assert "new password is set" in done.text
    _sign_in(browser, server.url, number, "mailed2027pw")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "overview"))
    browser.find_element(By.ID, "change-password").click()
    _fits_and_shot(browser, screenshots / "portal-password-en-1280.png")
    _fill(
        browser,
        {
            "password": "mailed2027pw",
            "new_password": "changed2027pw",
            "new_password_again": "changed2027pw",
        },
    )
    browser.find_element(By.ID, "change").click()
    done = WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "done"))
    assert "password is changed" in done.text


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
@pytest.mark.parametrize("page", ["register", "privacy", "password/forgot", "password/reset"])
def test_the_own_account_pages_fit_the_screen(
    mail_server: tuple[LiveServer, Inbox],
    browser: WebDriver,
    screenshots: Path,
    width: int,
    language: str,
    page: str,
) -> None:
    server, _ = mail_server
    browser.set_window_size(width, 900)
    browser.get(f"{server.url}/portal/language/{language}?next=/portal/{page}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language.replace(
        "_", "-"
    )
    _fits_and_shot(browser, screenshots / f"portal-{page.replace('/', '-')}-{language}-{width}.png")
