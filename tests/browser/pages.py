"""Driving the verify page from tests and benchmarks: open, wait for the verdict, read it."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

#: Where the verify page's screenshots go (outside the repository, looked at by people).
SHOTS = Path(tempfile.gettempdir()) / "shots-verifypage"

#: The verdict element's states once the page has decided.
DECIDED = ("valid", "invalid", "unreadable")


def pin_clock(driver: WebDriver, at: datetime) -> None:
    """Make ``Date.now()`` return ``at`` in every page this driver loads from now on."""
    millis = int(at.timestamp() * 1000)
    driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": f"Date.now = () => {millis};"}
    )


def verdict(driver: WebDriver, timeout: float = 10) -> tuple[str, str]:
    """Wait until the page has decided; ``(data-result, data-error)``."""

    def decided(d: WebDriver) -> tuple[str, str] | None:
        element = d.find_element(By.ID, "verdict")
        result = element.get_attribute("data-result") or ""
        if result not in DECIDED:
            return None
        return result, element.get_attribute("data-error") or ""

    found: tuple[str, str] = WebDriverWait(driver, timeout).until(decided)
    return found


def open_fresh(driver: WebDriver, url: str) -> None:
    """Load ``url`` as a new document even when only its fragment differs."""
    driver.get("about:blank")
    driver.get(url)


def verify_text(driver: WebDriver, base_url: str, text: str) -> tuple[str, str]:
    """Verify QR text the way a person would: a verify link opens, anything else is pasted."""
    stripped = text.strip()
    base, sep, fragment = stripped.rpartition("#")
    if sep and base.endswith("/v1"):
        open_fresh(driver, f"{base_url}/v1#{fragment}")
        return verdict(driver)
    open_fresh(driver, f"{base_url}/v1")
    driver.execute_script("document.getElementById('paste').value = arguments[0];", text)
    driver.find_element(By.CSS_SELECTOR, "#paste-form button").click()
    return verdict(driver)


def verify_image(
    driver: WebDriver, base_url: str, image: Path, timeout: float = 10
) -> tuple[str, str]:
    """Choose ``image`` in the page's photo picker."""
    open_fresh(driver, f"{base_url}/v1")
    driver.find_element(By.ID, "photo").send_keys(str(image))
    return verdict(driver, timeout)


def shown(driver: WebDriver) -> dict[str, Any]:
    """The facts the page shows for a valid credential."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#entries tbody tr")
    return {
        "issuer": driver.find_element(By.ID, "f-issuer").text,
        "learner": driver.find_element(By.ID, "f-learner").text,
        "masked_id": driver.find_element(By.ID, "f-id").text,
        "total": driver.find_element(By.ID, "f-total").text,
        "entries": [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows],
        "bundle_age_seconds": json.loads(
            driver.find_element(By.ID, "bundle-info").get_attribute("data-bundle-age-seconds")
            or "null"
        ),
    }


def requests_sent(driver: WebDriver) -> list[dict[str, Any]]:
    """The requests the browser sent since the last call (DevTools network log)."""
    sent = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            sent.append(message["params"]["request"])
    return sent


def shoot(browser: WebDriver, name: str) -> None:
    """Screenshots at 390 and 1280 px; at 390 px nothing may scroll sideways."""
    SHOTS.mkdir(exist_ok=True)
    for width in (390, 1280):
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        time.sleep(0.2)
        if width == 390:
            scroll, inner = browser.execute_script(
                "return [document.documentElement.scrollWidth, innerWidth]"
            )
            assert scroll <= inner, (name, scroll, inner)
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width,
                "height": min(height, 2400),
                "deviceScaleFactor": 1,
                "mobile": width < 600,
            },
        )
        browser.save_screenshot(str(SHOTS / f"{name}-{width}.png"))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
