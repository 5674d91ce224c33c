"""The learner's other forms pasted into the verify page: said to be the CLI's, never "not valid".

The demo installation issues the demo learner an Open Badges 3.0 JWT (RS256, the
default, and ES256), a CLR 2.0 JWT, the Data Integrity form of a badge and an SD-JWT
VC. creditbank-verify finds each valid; the page names each form (``data-form``, the
CLI's kind) in the ``other_form`` verdict and points to the CLI, instead of the red
"not valid" it gave before. A QR credential's text still gets its own verdict.
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
from tests.verifier.vc_fixtures import HOLDER_JWK
from verifier import TrustBundle
from verifier._detect import detect, verify_detected
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
            ("sd-jwt", post("sd-jwt", {"entry_ids": entries, "holder_jwk": holder})["token"]),
        ]
        # Fetched after issuing: the first Data Integrity credential creates its proof key.
        bundle = api.get("/trust-bundle").content
        trust = TrustBundle.from_bytes(bundle, demo.server.app.state.keystore.anchor_jwk())
    now = datetime.now(UTC)
    for kind, text in forms:
        assert detect(text) == kind
        if kind != "sd-jwt":  # a presentation needs the holder's key-binding JWT
            verify_detected(text, trust, now=now, max_bundle_age=None, audience=None, nonce=None)
    return forms


def test_each_other_form_is_named_and_sent_to_the_cli(
    demo_server: DemoInstallation, browser: WebDriver, screenshots: Path
) -> None:
    for n, (kind, text) in enumerate(_issued(demo_server)):
        assert verify_text(browser, demo_server.url, text) == ("other_form", ""), kind
        verdict = browser.find_element(By.ID, "verdict")
        assert verdict.get_attribute("data-form") == kind
        assert "creditbank-verify" in verdict.text
        browser.save_screenshot(str(screenshots / f"other-form-{n}-{kind}.png"))
    # The QR credential's own text, pasted, is still judged by the page itself.
    assert verify_text(browser, demo_server.url, demo_server.qr_text) == ("valid", "")
