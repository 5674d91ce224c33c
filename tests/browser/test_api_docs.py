"""/docs and /redoc render in headless Chromium with nothing but the app to talk to."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import DemoInstallation
from tests.browser.pages import requests_sent

#: Every request outside the app fails, as it would on a network without internet.
_OUTSIDE = ["*://cdn.jsdelivr.net/*", "*://fonts.googleapis.com/*", "*://unpkg.com/*"]


def _offline(browser: WebDriver) -> None:
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [*_OUTSIDE, "https://*"]})


#: ReDoc's "API docs by Redocly" footer logo is an <img> whose address is fixed in its
#: bundle; blocked (offline), the footer shows its text without the logo.
_DECORATION = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _only_the_app(browser: WebDriver, base: str) -> None:
    for request in requests_sent(browser):
        url = request["url"]
        if url.startswith(("http:", "https:")) and url != _DECORATION:
            assert url.startswith(base), f"the page asked the network for {url}"


@pytest.mark.parametrize("width", [1280, 390])
def test_swagger_ui_shows_the_operations_offline(
    demo_server: DemoInstallation, browser: WebDriver, screenshots: Path, width: int
) -> None:
    _offline(browser)
    browser.set_window_size(width, 1000)
    browser.get(f"{demo_server.url}/docs")
    WebDriverWait(browser, 20).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) > 20
    )
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/audit", "/learners", "/credentials", "/transfers"} <= paths
    browser.save_screenshot(str(screenshots / f"docs-{width}.png"))
    _only_the_app(browser, demo_server.url)


@pytest.mark.parametrize("width", [1280, 390])
def test_redoc_shows_the_operations_offline(
    demo_server: DemoInstallation, browser: WebDriver, screenshots: Path, width: int
) -> None:
    _offline(browser)
    browser.set_window_size(width, 1000)
    browser.get(f"{demo_server.url}/redoc")
    WebDriverWait(browser, 30).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-section-id^='operation/']")) > 20
    )
    assert "creditbank issuer" in browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(screenshots / f"redoc-{width}.png"))
    _only_the_app(browser, demo_server.url)


def test_the_assets_come_from_the_app(demo_server: DemoInstallation, browser: WebDriver) -> None:
    browser.get(f"{demo_server.url}/docs")
    html = browser.page_source
    assert "/docs-assets/swagger-ui-bundle.js" in html and "cdn.jsdelivr.net" not in html
    browser.get(f"{demo_server.url}/redoc")
    assert "/docs-assets/redoc.standalone.js" in browser.page_source
