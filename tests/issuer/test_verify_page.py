"""GET /v1 and its files, without a browser: headers, the embedded trust, bad paths.

The page's behaviour in a real browser is tested in tests/browser/.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuer.api.verify_page import (
    _LIMITS_MARKER,
    ASSETS,
    STATIC_DIR,
    PageTrust,
    page_trust,
    render_page,
)
from issuer.core.settings import Settings
from verifier.formats import jsonld_contexts, page_bundle, vc_jwt
from verifier.formats.limits import limits_json

pytestmark = pytest.mark.db

_CONFIG = re.compile(r'<script type="application/json" id="cb-config">(.*?)</script>', re.S)


def _config(html: str) -> dict[str, Any]:
    match = _CONFIG.search(html)
    assert match, "the page embeds no trust"
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def test_page_embeds_the_current_signed_bundle_and_anchor(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    response = client.get("/v1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    config = _config(response.text)
    assert config["anchor"] == app.state.keystore.anchor_jwk()
    assert config["maxAgeHours"] == settings.trust_bundle_max_age_hours == 168
    # The page bundle: the trust bundle's keys and issuers, a directory of the lists.
    document = page_bundle.open_page_bundle(config["bundle"], config["anchor"])
    assert settings.issuer_id in {issuer["id"] for issuer in document["issuers"]}
    assert "status_lists" not in document and "list_directory" in document
    assert "d" not in config["anchor"]


def test_page_forbids_talking_to_other_origins(client: TestClient) -> None:
    csp = client.get("/v1").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert client.get("/v1").headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("asset", sorted(ASSETS))
def test_page_files_are_served(client: TestClient, asset: str) -> None:
    response = client.get(f"/v1/{asset}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == ASSETS[asset].split(";")[0]
    assert response.content


def test_service_worker_may_control_the_page(client: TestClient) -> None:
    response = client.get("/v1/sw.js")
    assert response.headers["service-worker-allowed"] == "/v1"
    # Its cache is named after the page files, so a new release replaces the old files.
    assert re.search(r'const CACHE = "creditbank-verify-[0-9a-f]{16}";', response.text)


def test_verify_js_is_served_with_the_cbqr_limits(client: TestClient) -> None:
    # verify.js holds a marker, the server writes verifier/formats/cbqr_limits.json there.
    assert (STATIC_DIR / "verify.js").read_text("utf-8").count(_LIMITS_MARKER) == 1
    served = client.get("/v1/verify.js").text
    assert _LIMITS_MARKER not in served
    match = re.search(r"^  const LIMITS = (\{.*\});$", served, re.M)
    assert match, "verify.js carries no limits"
    assert json.loads(match.group(1)) == json.loads(limits_json())


def test_data_integrity_contexts_are_the_verifiers_and_kept_offline(client: TestClient) -> None:
    """ldp.js reads exactly the contexts the Python verifier bundles, served from its files."""
    ldp = (STATIC_DIR / "ldp.js").read_text("utf-8")
    mapping = dict(re.findall(r'^    "(https://[^"]+)": "([^"]+)",$', ldp, re.M))
    assert mapping == dict(jsonld_contexts.BUNDLED)
    assert f'"{vc_jwt.CREDITBANK_CONTEXT_PATH}"' in ldp
    assert f'"{jsonld_contexts.CREDITBANK_CONTEXT_FILE.name}"' in ldp
    files = {*jsonld_contexts.BUNDLED.values(), jsonld_contexts.CREDITBANK_CONTEXT_FILE.name}
    worker = (STATIC_DIR / "sw.js").read_text("utf-8")
    for name in files:
        served = client.get(f"/v1/contexts/{name}")
        assert served.json() == json.loads((jsonld_contexts.CONTEXT_DIR / name).read_text("utf-8"))
        assert f'"/v1/contexts/{name}"' in worker
    for name in ("ldp.js", "vendor/jsonld.min.js"):
        assert f'"/v1/{name}"' in worker


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nope.js",
        "/v1/../issuer/settings.py",
        "/v1/vendor",
        "/v1/contexts/other.jsonld",
        "/v1/contexts/../creditbank-v1.jsonld",
    ],
)
def test_unknown_page_file_is_404_problem(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"


def test_page_trust_can_be_replaced(client: TestClient, app: FastAPI) -> None:
    other = PageTrust(bundle="{}", anchor_jwk={"kty": "EC"}, max_age_hours=6)
    app.dependency_overrides[page_trust] = lambda: other
    try:
        config = _config(client.get("/v1").text)
    finally:
        app.dependency_overrides.pop(page_trust)
    assert config == {"bundle": "{}", "anchor": {"kty": "EC"}, "maxAgeHours": 6}


def test_hostile_bundle_text_cannot_close_the_data_block() -> None:
    # The bundle is text the page must treat as data: a "</script>" inside it would
    # otherwise end the JSON block and let the rest run as markup.
    hostile = '{"x":"</script><script>alert(1)</script><!--"}'
    html = render_page(PageTrust(bundle=hostile, anchor_jwk={}, max_age_hours=1))
    assert "<script>alert" not in html
    assert _config(html)["bundle"] == hostile


def test_max_age_setting_reaches_the_page(client: TestClient, app: FastAPI) -> None:
    original = app.state.settings
    app.state.settings = original.model_copy(update={"trust_bundle_max_age_hours": 12})
    try:
        config = _config(client.get("/v1").text)
    finally:
        app.state.settings = original
    assert config["maxAgeHours"] == 12


def test_max_age_setting_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITBANK_TRUST_BUNDLE_MAX_AGE_HOURS", "36")
    assert Settings(_env_file=None).trust_bundle_max_age_hours == 36  # type: ignore[call-arg]
