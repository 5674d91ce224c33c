"""The verify page fetches the status list a credential names, checks its digest against
the signed page bundle, keeps it, and after one online visit holds every list for offline
checks (docs/formats.md §3.6) — in Debian's Chromium against a live server.

The story: valid online; revoked through the API; the next online visit says revoked;
offline with the lists kept it still says revoked; offline with the list gone from the
device it says ``status_unavailable`` and tells the person to go online once.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium")

from fastapi import Response
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from issuer.api.verify_page import PageTrust, page_trust
from issuer.app import create_app
from issuer.core import migrate
from issuer.demo.story import run_story
from tests.browser.conftest import (
    ADMIN_TOKEN,
    LiveServer,
    demo_settings,
    free_port,
    start_server,
)
from tests.browser.pages import (
    open_fresh,
    requests_sent,
    shoot,
    verdict,
    verify_image,
    verify_text,
)
from tests.vectors.cases import Case, all_cases
from tests.vectors.generate import jwk_of, signer
from verifier import ERRORS_BY_CODE, VerificationError
from verifier.formats import page_bundle, trust_bundle

VECTORS = all_cases()


@dataclass
class Bank:
    """A demo installation of this module's own (its credential gets revoked)."""

    url: str
    qr_text: str
    jti: str
    stop: Any


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[Bank]:
    port = free_port()
    (tmp_path / "home").mkdir()
    settings = demo_settings(tmp_path / "home", port)
    migrate.upgrade(settings.db_url)
    credential = run_story(settings).credential
    app = create_app(settings)
    server = start_server(app, port)
    try:
        yield Bank(server.url, str(credential["qr_text"]), str(credential["jti"]), server.stop)
    finally:
        server.stop()
        app.state.engine.dispose()


def _revoke(bank: Bank) -> None:
    request = urllib.request.Request(
        f"{bank.url}/credentials/{bank.jti}/status",
        data=json.dumps({"status": "revoked", "reason": "test of the verify page"}).encode(),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200


def _lists_kept(browser: WebDriver) -> tuple[int, int]:
    """Wait until the service worker reports every list of the page bundle kept."""

    def kept(d: WebDriver) -> tuple[int, int] | None:
        status = d.find_element(By.ID, "trust-status")
        held, total = (
            status.get_attribute("data-lists-kept"),
            status.get_attribute("data-lists-total"),
        )
        if not held or not total or held != total:
            return None
        return int(held), int(total)

    found: tuple[int, int] = WebDriverWait(browser, 15).until(kept)
    return found


def _hint(browser: WebDriver) -> str:
    return browser.find_element(By.ID, "verdict").get_attribute("data-hint") or ""


def test_revocation_online_then_offline_with_and_without_the_list(
    bank: Bank, browser: WebDriver
) -> None:
    digits = bank.qr_text.rpartition("#")[2]
    page = f"{bank.url}/v1#{digits}"
    browser.get(page)
    assert verdict(browser) == ("valid", "")
    # The page fetched the one list the credential names, under /v1, nothing else.
    lists = [r["url"] for r in requests_sent(browser) if "/v1/status-lists/" in r["url"]]
    assert len(lists) >= 1 and all(u.startswith(f"{bank.url}/v1/status-lists/") for u in lists)
    kept, total = _lists_kept(browser)
    assert kept == total >= 1
    assert "离线可用的状态列表" in browser.find_element(By.ID, "trust-status").text

    _revoke(bank)
    open_fresh(browser, page)
    assert verdict(browser) == ("invalid", "revoked")

    bank.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{bank.url}/v1", timeout=2)
    open_fresh(browser, page)
    assert verdict(browser) == ("invalid", "revoked")

    # Offline, and the list is not on the device (as on a phone that never fetched it).
    removed = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        caches.open(window.creditbankVerify.LIST_CACHE)
          .then(async (cache) => Promise.all((await cache.keys()).map((r) => cache.delete(r))))
          .then((gone) => done(gone.length), (e) => done(String(e)));
        """
    )
    assert removed == total
    open_fresh(browser, page)
    assert verdict(browser) == ("invalid", "status_unavailable")
    assert _hint(browser) == "offline"
    text = browser.find_element(By.ID, "verdict").text
    assert "请联网后打开一次本页" in text and "Open this page once while online" in text
    shoot(browser, "verify-status-unavailable-offline")


def test_every_list_is_kept_after_a_visit_without_a_credential(
    bank: Bank, browser: WebDriver
) -> None:
    # A visit to /v1 alone (no fragment) is enough for the device to check offline later.
    browser.get(f"{bank.url}/v1")
    kept, total = _lists_kept(browser)
    assert kept == total >= 1
    shoot(browser, "verify-lists-kept")
    bank.stop()
    open_fresh(browser, f"{bank.url}/v1#{bank.qr_text.rpartition('#')[2]}")
    assert verdict(browser) == ("valid", "")


# -- the golden vectors through the page bundle ---------------------------------------------


def _as_page_bundle(case: Case) -> tuple[str, dict[str, bytes]] | None:
    """The vector's bundle as a page bundle signed by the same (test) anchor, and its lists;
    None for the vectors whose bundle is what they test (it does not open)."""
    anchor = json.loads(case.anchor_path.read_text("utf-8"))
    if anchor != jwk_of("test-anchor-es256"):
        return None
    try:
        document = trust_bundle.open_bundle(case.bundle_path.read_text("utf-8"), anchor)
    except VerificationError:
        return None
    page, bodies = page_bundle.page_document(document, lambda i: f"/test-lists/{case.name}/{i}")
    return page_bundle.sign_page_bundle(page, signer("test-anchor-es256")), bodies


_PAGE_CASES = [c for c in VECTORS if _as_page_bundle(c) is not None]


@pytest.fixture(scope="module")
def vector_lists(
    vector_server: tuple[LiveServer, Callable[[Case], None]],
) -> Callable[[Case], None]:
    """Embed a vector's page bundle and serve its lists at the URLs its directory names."""
    server, _ = vector_server
    served: dict[tuple[str, str], bytes] = {}

    def lists(name: str, list_id: str) -> Response:
        body = served.get((name, list_id))
        return Response(body, media_type="application/json") if body else Response(status_code=404)

    server.app.add_api_route("/test-lists/{name}/{list_id}", lists, methods=["GET"])

    def embed(case: Case) -> None:
        made = _as_page_bundle(case)
        assert made is not None
        text, bodies = made
        served.update({(case.name, list_id): body for list_id, body in bodies.items()})
        hours = case.expected.get("max_bundle_age_hours")
        embedded = PageTrust(text, jwk_of("test-anchor-es256"), 168 if hours is None else hours)
        server.app.dependency_overrides[page_trust] = lambda: embedded

    return embed


@pytest.mark.parametrize("case", _PAGE_CASES, ids=[c.name for c in _PAGE_CASES])
def test_vector_through_the_page_bundle_matches_python(
    case: Case,
    vector_server: tuple[LiveServer, Callable[[Case], None]],
    vector_lists: Callable[[Case], None],
    vector_browser: WebDriver,
) -> None:
    # The same verdict as the Python verifier on the complete bundle, now with the lists
    # fetched by digest: revoked, suspended, status_unavailable, stale_bundle among them.
    server, _ = vector_server
    vector_lists(case)
    if case.is_image:
        got = verify_image(vector_browser, server.url, case.input_path)
    else:
        got = verify_text(vector_browser, server.url, case.input_path.read_text("utf-8"))
    expected = "valid" if case.expected["valid"] else "invalid"
    if case.code and ERRORS_BY_CODE[case.code].unreadable:
        expected = "unreadable"
    assert got == (expected, case.code or "")


def test_a_list_with_another_digest_is_never_read(bank: Bank, browser: WebDriver) -> None:
    browser.get(f"{bank.url}/v1")
    got = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        (async () => {
          const V = window.creditbankVerify;
          const config = JSON.parse(document.getElementById("cb-config").textContent);
          const outcome = (p) => p.then(() => "valid", (e) => [e.code, e.hint || ""]);
          const cache = await caches.open(V.LIST_CACHE);
          let trust = await V.loadTrust(config);
          const list = [...trust.lists.values()][0];
          // A forged copy on the device (every slot revoked): passed over, the real one fetched.
          const forged = JSON.stringify({id: list.id, issuer: list.issuer, bits: list.bits,
            size: list.size, lst: "eNrrBAAA7QDt"});
          await cache.put(list.url, new Response(forged));
          const overForged = await outcome(V.checkSlot(trust, list.issuer, list.id, 0));
          const kept = await (await cache.match(list.url)).text();
          // The page's signed digest names other bytes than the server's: never read.
          trust = await V.loadTrust(config);
          const other = [...trust.lists.values()][0];
          other.sha256 = "0".repeat(64);
          await cache.delete(other.url);
          const swapped = await outcome(V.checkSlot(trust, other.issuer, other.id, 0));
          return [overForged, kept !== forged, swapped];
        })().then(done, (e) => done(String(e)));
        """
    )
    assert got == ["valid", True, ["status_unavailable", "changed"]]
