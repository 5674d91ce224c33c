"""The learner's other forms pasted into the verify page, as the demo installation issues them.

The demo installation issues the demo learner an Open Badges 3.0 JWT (RS256, the
default, and ES256), a CLR 2.0 JWT, the Data Integrity form of a badge and of a CLR and an SD-JWT
VC, which the holder presents with a key-binding JWT. creditbank-verify finds each valid.
The page verifies the JWTs, the Data Integrity badge and transcript (canonicalised in the
page over the bundled contexts) and the presentation itself, offline, with WebCrypto:
valid, with the learner and credits shown, ``data-form`` the CLI's kind
(tests/browser/test_verify_vc_vectors.py holds it to the Python verifier's codes). A QR
credential's text still gets its own verdict.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium")

from fastapi.testclient import TestClient
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import DemoInstallation
from tests.browser.pages import verify_text
from tests.verifier.vc_fixtures import AUD, HOLDER, HOLDER_JWK, NONCE
from verifier import TrustBundle
from verifier._detect import detect, verify_detected
from verifier.formats import sd_jwt
from verifier.formats.holder_key import holder_public_jwk


def _issued(demo: DemoInstallation) -> list[tuple[str, str]]:
    """(kind, text) of each form issued to the demo learner, each checked by the CLI's code."""
    base = f"/learners/{demo.result.learner_id}/credentials"
    entries = demo.result.entry_ids
    with TestClient(demo.server.app) as api:

        def post(path: str, body: dict[str, Any]) -> Any:
            response = api.post(f"{base}/{path}", json=body, headers=demo.admin_headers)
            assert response.status_code == 201, response.text
            return response.json()

        holder = holder_public_jwk(HOLDER_JWK)
        forms = [
            ("ob3", post("ob3", {"entry_id": entries[0]})["token"]),
            ("ob3", post("ob3", {"entry_id": entries[1], "alg": "ES256"})["token"]),
            ("clr", post("clr", {})["token"]),
            ("ob3-ldp", json.dumps(post("ob3-ldp", {"entry_id": entries[1]})["credential"])),
            ("clr-ldp", json.dumps(post("clr-ldp", {})["credential"], ensure_ascii=False)),
            ("sd-jwt", post("sd-jwt", {"entry_ids": entries, "holder_jwk": holder})["token"]),
        ]
        issued = forms[-1][1]
        now = datetime.now(UTC)
        disclose = ("name", "masked_id", "credits", "entries")
        presented = sd_jwt.present(
            issued, disclose, HOLDER, aud=AUD, nonce=NONCE, iat=int(now.timestamp())
        )
        forms.append(("sd-jwt", presented))
        # Fetched after issuing: the first Data Integrity credential creates its proof key.
        bundle = api.get("/trust-bundle").content
        trust = TrustBundle.from_bytes(bundle, demo.server.app.state.keystore.anchor_jwk())
    now = datetime.now(UTC)
    for kind, text in forms:
        assert detect(text) == kind
        if text != issued:  # a presentation needs the holder's key-binding JWT
            verify_detected(text, trust, now=now, max_bundle_age=None, audience=AUD, nonce=NONCE)
    return forms


def test_each_form_the_learner_hands_over(
    demo_server: DemoInstallation, browser: WebDriver, screenshots: Path
) -> None:
    forms = _issued(demo_server)
    issued = forms[-2][1]
    for n, (kind, text) in enumerate(forms):
        got = verify_text(browser, demo_server.url, text)
        verdict = browser.find_element(By.ID, "verdict")
        assert verdict.get_attribute("data-form") == kind
        browser.save_screenshot(str(screenshots / f"other-form-{n}-{kind}.png"))
        if text == issued:
            # The issued SD-JWT, without the holder's key-binding JWT: as the CLI says.
            assert got == ("invalid", "holder_binding_failed")
            assert "钱包" in verdict.text
        else:
            assert got == ("valid", ""), kind
            assert browser.find_element(By.ID, "f-learner").text == "张晓明"
            assert "示范终身学习学分银行" in browser.find_element(By.ID, "f-issuer").text
            assert browser.find_elements(By.CSS_SELECTOR, "#entries tbody tr")
    assert browser.find_element(By.ID, "f-audience").text == AUD
    # The QR credential's own text, pasted, is still judged by the page itself.
    assert verify_text(browser, demo_server.url, demo_server.qr_text) == ("valid", "")


def test_pasted_forms_verify_offline(demo_server: DemoInstallation, browser: WebDriver) -> None:
    """With the network cut, the page (from the service worker) still verifies a pasted
    OB 3.0 JWT and an SD-JWT presentation: jwt.js and sdjwt.js come from its cache."""
    forms = _issued(demo_server)
    badge, presentation = forms[0][1], forms[-1][1]
    browser.get(f"{demo_server.url}/v1")
    ready = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        (async function poll() {
          const cached = await caches.match("/v1/sdjwt.js");
          if (navigator.serviceWorker.controller && cached) return done(true);
          if (performance.now() > 10000) return done(false);
          setTimeout(poll, 50);
        })();
        """
    )
    assert ready, "the service worker did not take over the page"
    browser.set_network_conditions(offline=True, latency=0, throughput=0)  # type: ignore[attr-defined]
    try:
        reached = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch('/trust-bundle', {cache: 'no-store'}).then(() => done(true), () => done(false));"
        )
        assert reached is False
        assert verify_text(browser, demo_server.url, badge) == ("valid", "")
        assert verify_text(browser, demo_server.url, presentation) == ("valid", "")
        assert browser.find_element(By.ID, "f-learner").text == "张晓明"
    finally:
        browser.delete_network_conditions()  # type: ignore[attr-defined]
