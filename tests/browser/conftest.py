"""Fixtures of the browser tests: a live creditbank server and headless Chromium.

- ``demo_server`` (session): a real uvicorn server on a free 127.0.0.1 port serving the
  app over a fresh SQLite installation in which the demo story (issuer.demo.story.run_story)
  has run; its ``verify_base_url`` is the server's own address, so the demo credential's
  QR text opens this server's verify page.
- ``start_server(app)``: the same for any app (a second server that a test may stop).
- ``browser`` (function): a headless Chromium (Debian's ``chromium`` +
  ``chromium-driver`` via Selenium; nothing downloads a browser) with a fresh profile.
- ``screenshots``: a directory for screenshots of this test session.
- ``vector_server`` / ``vector_browser`` (module): a server whose page trusts what the
  test says (a golden vector's bundle and anchor), and a Chromium whose clock is pinned
  to the vectors' verification time.

Every test here is skipped, with the reason, when /usr/bin/chromium or the driver is absent.
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from issuer.api.verify_page import PageTrust, page_trust
from issuer.app import create_app
from issuer.core import migrate
from issuer.core.settings import Settings
from issuer.demo.story import DemoResult, run_story
from tests.vectors.cases import Case, all_cases

#: Every golden vector shares one verification time (the vector browser's clock).
VECTOR_TIME = all_cases()[0].at
assert all(c.at == VECTOR_TIME for c in all_cases())

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ADMIN_TOKEN = "browser-admin-token"

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.remote.webdriver import WebDriver
except ImportError:  # pragma: no cover - the dev extra installs selenium
    webdriver = None  # type: ignore[assignment]


def _skip_reason() -> str | None:
    if webdriver is None:
        return "selenium is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return (
            "headless Chromium is not installed: "
            "apt-get install -y chromium chromium-driver (see .ci/run)"
        )
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    if reason is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A uvicorn server running ``app`` in a thread; ``stop()`` cuts it off."""

    app: FastAPI
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(app: FastAPI, port: int | None = None) -> LiveServer:
    """Serve ``app`` on 127.0.0.1 (``port`` or a free one) until ``stop()``."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return LiveServer(app, port, server, thread)


@dataclass
class DemoInstallation:
    """A migrated installation with the demo story in it, and its live server."""

    settings: Settings
    result: DemoResult
    server: LiveServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def qr_text(self) -> str:
        return str(self.result.credential["qr_text"])

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def demo_settings(home: Path, port: int, **overrides: Any) -> Settings:
    """Settings of a fresh SQLite installation whose verify links point at ``port``."""
    values: dict[str, Any] = {
        "env": "test",
        "home": home,
        "database_url": f"sqlite:///{home / 'creditbank.db'}",
        "admin_token": ADMIN_TOKEN,
        "verify_base_url": f"http://127.0.0.1:{port}",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoInstallation]:
    """The demo installation served live (one per test session)."""
    if _skip_reason():
        pytest.skip(str(_skip_reason()))
    port = free_port()
    settings = demo_settings(tmp_path_factory.mktemp("demo-home"), port)
    migrate.upgrade(settings.db_url)
    result = run_story(settings)
    app = create_app(settings)
    server = start_server(app, port)
    try:
        yield DemoInstallation(settings, result, server)
    finally:
        server.stop()
        app.state.engine.dispose()


def chromium_options(user_data_dir: Path) -> Any:
    """Options for a headless Chromium that talks to nothing but the test server."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1000,1200",
        f"--user-data-dir={user_data_dir}",
    ):
        options.add_argument(flag)
    # A reader in China: pages are asked for in Chinese, as a phone set to Chinese asks.
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    # The DevTools network log lets tests see every request the page makes.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return options


def launch_chromium() -> tuple[WebDriver, Path]:
    """A headless Chromium driver with a fresh profile directory (remove it after quit)."""
    profile = Path(tempfile.mkdtemp(prefix="creditbank-chromium-"))
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=chromium_options(profile))
    driver.set_page_load_timeout(20)
    return driver, profile


def quit_chromium(driver: WebDriver, profile: Path) -> None:
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser_factory() -> Iterator[Callable[[], WebDriver]]:
    """Make headless Chromium drivers, each with a fresh profile; all quit at the end."""
    launched: list[tuple[WebDriver, Path]] = []

    def make() -> WebDriver:
        launched.append(launch_chromium())
        return launched[-1][0]

    yield make
    for driver, profile in launched:
        quit_chromium(driver, profile)


@pytest.fixture
def browser(browser_factory: Callable[[], WebDriver]) -> WebDriver:
    """One headless Chromium with a fresh profile."""
    return browser_factory()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests put screenshots (printed by -ra runs via the test names)."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def vector_server(
    demo_server: DemoInstallation,
) -> Iterator[tuple[LiveServer, Callable[[Case], None]]]:
    """A server whose page trusts what the test says (a vector's bundle and anchor)."""
    app = create_app(demo_server.settings)
    server = start_server(app)

    def trust(case: Case) -> None:
        hours = case.expected.get("max_bundle_age_hours")
        embedded = PageTrust(
            bundle=case.bundle_path.read_text("utf-8"),
            anchor_jwk=json.loads(case.anchor_path.read_text("utf-8")),
            max_age_hours=168 if hours is None else hours,
        )
        app.dependency_overrides[page_trust] = lambda: embedded

    yield server, trust
    server.stop()
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def vector_browser(
    vector_server: tuple[LiveServer, Callable[[Case], None]],
) -> Iterator[WebDriver]:
    from tests.browser.pages import pin_clock  # needs selenium, like every test here

    driver, profile = launch_chromium()
    pin_clock(driver, VECTOR_TIME)
    yield driver
    quit_chromium(driver, profile)
