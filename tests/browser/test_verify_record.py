"""What an HR person sees around the verdict, on the demo installation in Chromium.

The issuer's name and logo from the signed bundle, the address the page must be at, the
online/offline indicator with the bundle's age in words, the warning once the bundle is
past its next update, and the printable verification record with the time of the check.
Screenshots of each state at 390 and 1280 px; no horizontal scroll at 390 px.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import DemoInstallation
from tests.browser.pages import (
    SHOTS,
    open_fresh,
    pin_clock,
    shoot,
    verdict,
    verify_image,
    verify_text,
)


def _status(browser: WebDriver) -> dict[str, str]:
    bar = browser.find_element(By.ID, "trust-status")
    return {
        "online": bar.get_attribute("data-online") or "",
        "stale": bar.get_attribute("data-stale") or "",
        "text": bar.text,
    }


def test_issuer_address_age_and_printable_record(
    demo_server: DemoInstallation, browser: WebDriver
) -> None:
    open_fresh(browser, f"{demo_server.url}/v1")
    WebDriverWait(browser, 10).until(lambda d: "示范终身学习学分银行" in _status(d)["text"])
    shoot(browser, "empty")
    digits = demo_server.qr_text.rpartition("#")[2]
    open_fresh(browser, f"{demo_server.url}/v1#{digits}")
    assert verdict(browser) == ("valid", "")
    status = _status(browser)
    assert status["online"] == "online" and status["stale"] == "fresh"
    assert "信任数据：刚刚更新" in status["text"] or "分钟前更新" in status["text"]
    host = urlsplit(demo_server.url).netloc
    assert f"请确认浏览器地址栏显示的是 {host}/v1" in status["text"]
    assert not browser.find_elements(By.CSS_SELECTOR, "#trust-status .warn")
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script(
            "const i = document.querySelector('#trust-status img'); return i && i.naturalWidth > 0"
        )
    )
    record = browser.find_element(By.ID, "record")
    checked = int(record.get_attribute("data-checked-at") or 0)
    assert abs(checked - time.time()) < 60
    assert "核验时间" in record.text and "Checked at" in record.text
    assert datetime.fromtimestamp(checked, UTC).strftime("%Y-%m-%d %H:%M") in record.text
    shoot(browser, "valid")

    # Printed: the verdict, the facts and the record; no forms, no buttons.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not browser.find_element(By.ID, "other").is_displayed()
    assert not browser.find_element(By.ID, "print-record").is_displayed()
    assert browser.find_element(By.ID, "record").is_displayed()
    assert browser.find_element(By.ID, "details").is_displayed()
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    (SHOTS).mkdir(exist_ok=True)
    import base64

    (SHOTS / "record.pdf").write_bytes(base64.b64decode(pdf["data"]))
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    open_fresh(browser, f"{demo_server.url}/v1")
    assert verify_text(browser, demo_server.url, "not a credential at all") == (
        "invalid",
        "bad_encoding",
    )
    shoot(browser, "invalid")


def test_offline_indicator(demo_server: DemoInstallation, browser: WebDriver) -> None:
    digits = demo_server.qr_text.rpartition("#")[2]
    open_fresh(browser, f"{demo_server.url}/v1#{digits}")
    assert verdict(browser) == ("valid", "")
    browser.set_network_conditions(offline=True, latency=0, throughput=0)  # type: ignore[attr-defined]
    try:
        WebDriverWait(browser, 10).until(lambda d: _status(d)["online"] == "offline")
        assert "离线" in _status(browser)["text"]
        shoot(browser, "offline")
    finally:
        browser.delete_network_conditions()  # type: ignore[attr-defined]
    WebDriverWait(browser, 10).until(lambda d: _status(d)["online"] == "online")


def test_bundle_past_its_next_update_is_still_used_but_warned_about(
    demo_server: DemoInstallation, browser: WebDriver
) -> None:
    # 25 hours on: past next_update (24 h), within the page's maximum age (168 h).
    pin_clock(browser, datetime.now(UTC) + timedelta(hours=25))
    digits = demo_server.qr_text.rpartition("#")[2]
    open_fresh(browser, f"{demo_server.url}/v1#{digits}")
    assert verdict(browser) == ("valid", "")
    status = _status(browser)
    assert status["stale"] == "stale"
    assert (
        "信任数据：1 天前更新" in status["text"]
        and "trust data updated 1 day ago" in status["text"]
    )
    assert "已过预定更新时间" in status["text"]
    shoot(browser, "stale")


def test_unreadable_photo_state(
    demo_server: DemoInstallation, browser: WebDriver, tmp_path: Path
) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), (200, 200, 200)).save(blank)
    assert verify_image(browser, demo_server.url, blank, timeout=60) == (
        "unreadable",
        "no_qr_found",
    )
    assert not browser.find_elements(By.ID, "record")
    shoot(browser, "unreadable")


def test_logo_shows_offline(demo_server: DemoInstallation, browser: WebDriver) -> None:
    """The issuer's logo comes from the service worker's copy once the network is cut."""
    logo = "const i = document.querySelector('#trust-status img'); return i && i.naturalWidth"
    digits = demo_server.qr_text.rpartition("#")[2]
    open_fresh(browser, f"{demo_server.url}/v1#{digits}")
    assert verdict(browser) == ("valid", "")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(logo))
    _wait_controlled(browser)
    browser.set_network_conditions(offline=True, latency=0, throughput=0)  # type: ignore[attr-defined]
    try:
        browser.refresh()
        assert verdict(browser) == ("valid", "")
        # The network is really gone: a request the service worker does not answer fails.
        reached = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch('/trust-bundle', {cache: 'no-store'}).then(() => done(true), () => done(false));"
        )
        assert reached is False
        WebDriverWait(browser, 10).until(lambda d: _status(d)["online"] == "offline")
        WebDriverWait(browser, 10).until(lambda d: d.execute_script(logo))
        assert browser.execute_script(logo) > 0
        shoot(browser, "offline-logo")
    finally:
        browser.delete_network_conditions()  # type: ignore[attr-defined]


def _wait_controlled(browser: WebDriver) -> None:
    """Wait until the service worker controls the page and holds the logo in its cache."""
    ready = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        (async function poll() {
          const reg = await navigator.serviceWorker.getRegistration("/v1");
          const cached = await caches.match("/v1/logo.png");
          if (navigator.serviceWorker.controller && cached && reg && reg.active) return done(true);
          if (performance.now() > 10000) return done(false);
          setTimeout(poll, 50);
        })();
        """
    )
    assert ready, "the service worker did not take over the page"
