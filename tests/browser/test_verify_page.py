"""The employer's verify page (/v1) in headless Chromium.

The golden vectors of the Python verifier (tests/vectors/cbqr/) run through the page:
each one's own trust bundle and anchor are embedded by overriding the page's
``page_trust`` dependency, the page's clock is pinned to the vector's ``at``, and the
verdict element must carry the same result and code as ``expected.json``. Then the
demo credential: valid online, still valid after the server is gone (service worker),
invalid with the Python verifier's code after one digit changes.
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from issuer.app import create_app
from issuer.credentials.qr_image import render_png
from tests.browser.conftest import VECTOR_TIME, DemoInstallation, LiveServer, start_server
from tests.browser.pages import (
    open_fresh,
    requests_sent,
    shown,
    verdict,
    verify_image,
    verify_text,
)
from tests.vectors.cases import Case, all_cases
from verifier import ERRORS_BY_CODE, TrustBundle, VerificationError, verify
from verifier.formats.limits import limits_json
from verifier.formats.qr_digits import decode_digits

VECTORS = all_cases()
AT = VECTOR_TIME


def _verdict_of(case: Case) -> str:
    """The page's three verdicts: what Python cannot read at all is "could not read"."""
    if case.expected["valid"]:
        return "valid"
    return "unreadable" if ERRORS_BY_CODE[case.code or ""].unreadable else "invalid"


@pytest.mark.parametrize("case", VECTORS, ids=[c.name for c in VECTORS])
def test_vector_verdict_matches_python_verifier(
    case: Case,
    vector_server: tuple[LiveServer, Callable[[Case], None]],
    vector_browser: WebDriver,
) -> None:
    server, trust = vector_server
    trust(case)
    if case.is_image:
        result, error = verify_image(vector_browser, server.url, case.input_path)
    else:
        text = case.input_path.read_text("utf-8")
        result, error = verify_text(vector_browser, server.url, text)
    expected_error = case.code or ""
    assert (result, error) == (_verdict_of(case), expected_error)
    expect = case.expected.get("expect") or {}
    if case.expected["valid"]:
        facts = shown(vector_browser)
        if "subject" in expect:
            assert expect["subject"]["name"] == facts["learner"]
            assert expect["subject"]["masked_id"] == facts["masked_id"]
        if "issuer" in expect:
            assert expect["issuer"]["name_zh"] in facts["issuer"]
        if "credits" in expect:
            assert facts["total"] == str(expect["credits"])
        if "trust_bundle_age_seconds" in expect:
            assert facts["bundle_age_seconds"] == expect["trust_bundle_age_seconds"]
        assert facts["entries"], "a valid credential shows its credit entries"


def _python_code(text: str, bundle: TrustBundle, now: datetime | None = None) -> str | None:
    """The Python verifier's code for ``text`` (None: valid)."""
    try:
        verify(text, bundle, now=now)
    except VerificationError as exc:
        return exc.code
    return None


def _tamper(qr_text: str) -> str:
    """Change one digit in the middle of the signature part (stays in the JWS alphabet)."""
    base, _, digits = qr_text.rpartition("#")
    at = len(digits) - 40
    pair = int(digits[at : at + 2])
    new = 20 + (pair - 20 + 1) % 26 if 20 <= pair <= 45 else 20  # A-Z stays A-Z
    return f"{base}#{digits[:at]}{new:02d}{digits[at + 2 :]}"


def test_demo_credential_online_then_offline(
    demo_server: DemoInstallation, browser: WebDriver, screenshots: Path
) -> None:
    app = create_app(demo_server.settings)
    server = start_server(app)
    try:
        _, _, digits = demo_server.qr_text.rpartition("#")
        with urllib.request.urlopen(f"{server.url}/trust-bundle") as response:
            bundle_text = response.read()
        bundle = TrustBundle.from_bytes(bundle_text, app.state.keystore.anchor_jwk())
        assert _python_code(demo_server.qr_text, bundle) is None

        browser.get(f"{server.url}/v1#{digits}")
        assert verdict(browser) == ("valid", "")
        facts = shown(browser)
        assert facts["learner"] == "张晓明"
        assert facts["masked_id"].startswith("4101") and "*" in facts["masked_id"]
        assert "示范终身学习学分银行" in facts["issuer"]
        assert {row[0] for row in facts["entries"]} == {"工业机器人编程基础", "智能产线运维实训"}
        assert "郑州智能制造职业学院（示例）" in facts["entries"][0][6]
        assert 0 <= facts["bundle_age_seconds"] < 600
        browser.save_screenshot(str(screenshots / "demo-valid-online.png"))
        _wait_offline_ready(browser)
    finally:
        server.stop()
        app.state.engine.dispose()

    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{server.url}/v1", timeout=2)
    browser.refresh()
    assert verdict(browser) == ("valid", "")
    browser.save_screenshot(str(screenshots / "demo-valid-offline.png"))

    tampered = _tamper(demo_server.qr_text)
    expected = _python_code(tampered, bundle)
    assert expected is not None
    open_fresh(browser, f"{server.url}/v1#{tampered.rpartition('#')[2]}")
    assert verdict(browser) == ("invalid", expected)
    browser.save_screenshot(str(screenshots / "demo-tampered-offline.png"))


def _wait_offline_ready(browser: WebDriver) -> None:
    """Wait until the service worker controls the page and holds the page in its cache."""
    ready = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        (async function poll() {
          const reg = await navigator.serviceWorker.getRegistration("/v1");
          const cached = await caches.match("/v1");
          if (navigator.serviceWorker.controller && cached && reg && reg.active) return done(true);
          if (performance.now() > 10000) return done(false);
          setTimeout(poll, 50);
        })();
        """
    )
    assert ready, "the service worker did not take over the page"


def test_photo_of_demo_credential(
    demo_server: DemoInstallation, browser: WebDriver, tmp_path: Path
) -> None:
    image = tmp_path / "credential-1.png"
    image.write_bytes(render_png(demo_server.qr_text))
    assert verify_image(browser, demo_server.url, image) == ("valid", "")
    assert shown(browser)["learner"] == "张晓明"


def test_garbage_fragments_state_a_code(demo_server: DemoInstallation, browser: WebDriver) -> None:
    for fragment, code in (
        ("123", "bad_encoding"),
        ("12ab", "bad_encoding"),
        ("5676", "malformed"),
    ):
        open_fresh(browser, f"{demo_server.url}/v1#{fragment}")
        assert verdict(browser) == ("invalid", code), fragment


def test_page_reads_the_same_limits(demo_server: DemoInstallation, browser: WebDriver) -> None:
    # The limits of the page's checks are the Python verifier's (verifier/formats/limits.py).
    browser.get(f"{demo_server.url}/v1")
    in_page = browser.execute_script("return window.creditbankVerify.LIMITS")
    assert in_page == json.loads(limits_json())


def test_page_without_fragment_invites_a_scan(
    demo_server: DemoInstallation, browser: WebDriver
) -> None:
    browser.get(f"{demo_server.url}/v1")
    state = browser.execute_script("return document.getElementById('verdict').dataset.result")
    assert state == "none"
    assert "Scan the QR code" in browser.find_element("id", "verdict").text


def test_nothing_read_from_the_qr_leaves_the_device(
    demo_server: DemoInstallation, browser: WebDriver, tmp_path: Path
) -> None:
    _, _, digits = demo_server.qr_text.rpartition("#")
    browser.get(f"{demo_server.url}/v1#{digits}")
    assert verdict(browser) == ("valid", "")
    image = tmp_path / "credential-1.png"
    image.write_bytes(render_png(demo_server.qr_text))
    assert verify_image(browser, demo_server.url, image) == ("valid", "")
    sent = requests_sent(browser)
    assert any(r["url"] == f"{demo_server.url}/v1" for r in sent)
    jws = decode_digits(digits)
    sent_over_network = [r for r in sent if r["url"].startswith(("http:", "https:"))]
    for request in sent_over_network:
        # Only the page's own files, and nothing of the credential in any request.
        assert request["url"].startswith(f"{demo_server.url}/v1"), request["url"]
        carried = request["url"] + request.get("postData", "") + json.dumps(request["headers"])
        assert digits[-40:] not in carried and jws[-40:] not in carried


def test_photo_of_a_qr_from_another_system(
    demo_server: DemoInstallation, browser: WebDriver, tmp_path: Path
) -> None:
    import qrcode

    image = tmp_path / "other.png"
    qrcode.make("https://example.com/ticket/12345").save(str(image))
    # The Python verifier's code (":" and "/" are outside the JWS alphabet); the reason
    # shown tells the person that this is no creditbank QR code at all.
    assert verify_image(browser, demo_server.url, image) == ("invalid", "bad_encoding")
    assert "creditbank" in browser.find_element("id", "verdict").text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("WIFI:S:home;T:WPA;P:secret;;", "bad_encoding"),
        ("https://example.com/ticket/12345", "bad_encoding"),
        ("   ", "malformed"),
    ],
)
def test_pasted_text_from_another_system(
    demo_server: DemoInstallation, browser: WebDriver, text: str, code: str
) -> None:
    valid = VECTORS[[c.name for c in VECTORS].index("valid")]
    assert _python_code(text, TrustBundle.load(valid.bundle_path, valid.anchor_path)) == code
    assert verify_text(browser, demo_server.url, text) == ("invalid", code)
    if text.strip():
        assert "creditbank" in browser.find_element("id", "verdict").text


def test_editing_a_digit_in_the_address_changes_the_verdict(
    demo_server: DemoInstallation, browser: WebDriver
) -> None:
    _, _, digits = demo_server.qr_text.rpartition("#")
    browser.get(f"{demo_server.url}/v1#{digits}")
    assert verdict(browser) == ("valid", "")
    tampered = _tamper(demo_server.qr_text).rpartition("#")[2]
    # A same-document navigation, as when a person edits the URL: no reload, hashchange.
    browser.execute_script("location.hash = arguments[0];", tampered)
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.ID, "verdict").get_attribute("data-result") == "invalid"
    )
    assert verdict(browser) == ("invalid", "bad_signature")


def _mutations(text: str, count: int, seed: int = 20260115) -> list[str]:
    """Seeded random damage to QR text: changed, dropped, inserted digits, truncations."""
    rng = random.Random(seed)
    base, _, digits = text.rpartition("#")
    out = []
    for i in range(count):
        at = rng.randrange(len(digits))
        kind = i % 4
        if kind == 0:
            changed = digits[:at] + rng.choice("0123456789") + digits[at + 1 :]
        elif kind == 1:
            changed = digits[:at] + digits[at + 2 :]
        elif kind == 2:
            changed = digits[:at] + f"{rng.randrange(100):02d}" + digits[at:]
        else:
            changed = digits[: at - at % 2]
        out.append(f"{base}#{changed}")
    return out


def test_page_and_python_agree_on_damaged_credentials(
    vector_server: tuple[LiveServer, Callable[[Case], None]], vector_browser: WebDriver
) -> None:
    # A differential check beyond the fixed vectors: the page's verify() and the Python
    # verifier must give the same code for the same damaged input.
    server, trust = vector_server
    valid = next(c for c in VECTORS if c.name == "valid_two_entries")
    trust(valid)
    open_fresh(vector_browser, f"{server.url}/v1")
    inputs = _mutations(valid.input_path.read_text("utf-8").strip(), 160)
    bundle = TrustBundle.load(valid.bundle_path, valid.anchor_path)
    expected = [_python_code(text, bundle, now=AT) for text in inputs]
    got = vector_browser.execute_async_script(
        """
        const [inputs, done] = [arguments[0], arguments[arguments.length - 1]];
        const V = window.creditbankVerify;
        const config = JSON.parse(document.getElementById("cb-config").textContent);
        const trust = V.loadTrust(config);
        Promise.all(inputs.map((t) => V.verify(t, trust, config.maxAgeHours).then(
          () => null, (e) => (e instanceof V.VerificationError ? e.code : "crash: " + e)))
        ).then(done);
        """,
        inputs,
    )
    assert sum(code is None for code in expected) < len(inputs) // 2, "the damage is too mild"
    assert got == expected


def test_a_bundle_with_a_data_integrity_key_still_verifies_the_qr(
    demo_server: DemoInstallation, browser: WebDriver
) -> None:
    # The proof key (Ed25519, purpose "proof") sits in the embedded bundle beside the
    # signing keys; the page skips it, as the Python verifier does, and the QR still reads.
    app = create_app(demo_server.settings)
    proof = app.state.keystore.proof_signer()
    server = start_server(app)
    try:
        with urllib.request.urlopen(f"{server.url}/trust-bundle") as response:
            bundle = TrustBundle.from_bytes(response.read(), app.state.keystore.anchor_jwk())
        assert any(k.kid == proof.kid for k in bundle.proof_keys.values())
        assert all(k.kid != proof.kid for k in bundle.keys)
        _, _, digits = demo_server.qr_text.rpartition("#")
        open_fresh(browser, f"{server.url}/v1#{digits}")
        assert verdict(browser) == ("valid", "")
    finally:
        server.stop()
        app.state.engine.dispose()
