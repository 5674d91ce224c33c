"""The OB 3.0 / CLR 2.0 JWT, Data Integrity and SD-JWT VC vectors pasted into the verify page.

The same files the Python verifier runs (tests/vectors/vc/ and ldp/,
tests/verifier/test_vc_vectors.py): each one's bundle and anchor are embedded in the page,
the page's clock is pinned to the vectors' time, the text is pasted, and the verdict
element must carry the vector's result and code, checked in the browser with WebCrypto (a
Data Integrity proof canonicalised by the vendored jsonld.js, under the page's CSP). For a
valid one the page must show the learner, the issuer, the credits and the achievements,
and for a presentation the audience and nonce the relying party has to judge.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import VECTOR_TIME, LiveServer
from tests.browser.pages import requests_sent, shoot, shown, verify_text
from tests.vectors.cases import Case, ldp_cases, vc_cases

VECTORS = (*vc_cases(), *ldp_cases())
assert all(c.at == VECTOR_TIME for c in VECTORS)


@pytest.mark.parametrize("case", VECTORS, ids=[c.name for c in VECTORS])
def test_vc_vector_verdict_matches_python_verifier(
    case: Case,
    vector_server: tuple[LiveServer, Callable[[Case], None]],
    vector_browser: WebDriver,
) -> None:
    server, trust = vector_server
    trust(case)
    result, error = verify_text(vector_browser, server.url, case.input_path.read_text("utf-8"))
    assert (result, error) == ("valid" if case.expected["valid"] else "invalid", case.code or "")
    verdict = vector_browser.find_element(By.ID, "verdict")
    assert verdict.get_attribute("data-form") == case.expected["format"]
    if not case.expected["valid"]:
        return
    facts = shown(vector_browser)
    expect = case.expected["shows"]
    assert facts["learner"] == expect["learner"]
    assert [row[0] for row in facts["entries"]] == expect["titles"]
    if "credits" in expect:
        assert facts["total"] == expect["credits"]
    if "masked_id" in expect:
        assert facts["masked_id"] == expect["masked_id"]
    if "issuer" in expect:
        assert expect["issuer"] in facts["issuer"]
    audience = vector_browser.find_element(By.ID, "f-audience")
    if case.expected["format"] == "sd-jwt":
        assert audience.text == case.expected["audience"]
        assert vector_browser.find_element(By.ID, "f-nonce").text == case.expected["nonce"]
    else:
        assert not audience.is_displayed()


def test_forms_load_their_verifier_only_when_pasted(
    vector_server: tuple[LiveServer, Callable[[Case], None]],
    vector_browser: WebDriver,
) -> None:
    """A QR link loads neither jwt.js nor sdjwt.js; a pasted presentation loads both."""
    server, trust = vector_server
    sd = next(c for c in VECTORS if c.name == "sd_valid")
    trust(sd)
    requests_sent(vector_browser)
    verify_text(vector_browser, server.url, "not a credential")
    loaded = {r["url"].rpartition("/")[2] for r in requests_sent(vector_browser)}
    assert not loaded & {"jwt.js", "sdjwt.js"}
    assert verify_text(vector_browser, server.url, sd.input_path.read_text("utf-8")) == (
        "valid",
        "",
    )
    loaded = {r["url"].rpartition("/")[2] for r in requests_sent(vector_browser)}
    assert {"jwt.js", "sdjwt.js"} <= loaded
    shoot(vector_browser, "sd-jwt-valid")
    clr = next(c for c in VECTORS if c.name == "clr_valid")
    trust(clr)
    assert verify_text(vector_browser, server.url, clr.input_path.read_text("utf-8")) == (
        "valid",
        "",
    )
    shoot(vector_browser, "clr-valid")
    bad = next(c for c in VECTORS if c.name == "sd_tampered_disclosure")
    trust(bad)
    assert verify_text(vector_browser, server.url, bad.input_path.read_text("utf-8")) == (
        "invalid",
        "unknown_disclosure",
    )
    shoot(vector_browser, "sd-jwt-tampered")


def _console_errors(driver: WebDriver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_data_integrity_loads_its_library_only_when_pasted(
    vector_server: tuple[LiveServer, Callable[[Case], None]],
    vector_browser: WebDriver,
) -> None:
    """A QR link loads neither ldp.js nor jsonld.js; a pasted DI credential loads them and
    the contexts from the page's own files, verifies under the CSP and asks nothing else."""
    server, trust = vector_server
    valid = next(c for c in VECTORS if c.name == "ldp_ob3_valid")
    trust(valid)
    requests_sent(vector_browser)
    verify_text(vector_browser, server.url, "not a credential")
    loaded = {r["url"].rpartition("/")[2] for r in requests_sent(vector_browser)}
    assert not loaded & {"ldp.js", "jsonld.min.js"}
    _console_errors(vector_browser)
    assert verify_text(vector_browser, server.url, valid.input_path.read_text("utf-8")) == (
        "valid",
        "",
    )
    urls = [r["url"] for r in requests_sent(vector_browser)]
    assert all(u.startswith(server.url) for u in urls), urls
    names = {u.rpartition("/")[2] for u in urls}
    assert {"ldp.js", "jsonld.min.js", "credentials-v2.jsonld", "ob-v3p0-3.0.3.json"} <= names
    assert not [m for m in _console_errors(vector_browser) if "Content Security Policy" in m]
    shoot(vector_browser, "ldp-valid")
    clr = next(c for c in VECTORS if c.name == "ldp_clr_valid")
    trust(clr)
    assert verify_text(vector_browser, server.url, clr.input_path.read_text("utf-8")) == (
        "valid",
        "",
    )
    shoot(vector_browser, "ldp-clr-valid")
    bad = next(c for c in VECTORS if c.name == "ldp_tampered_credits")
    trust(bad)
    assert verify_text(vector_browser, server.url, bad.input_path.read_text("utf-8")) == (
        "invalid",
        "bad_signature",
    )
    shoot(vector_browser, "ldp-tampered")


def test_data_integrity_verifies_offline(
    vector_server: tuple[LiveServer, Callable[[Case], None]],
    vector_browser: WebDriver,
) -> None:
    """With the network cut, the service worker's copies of ldp.js, jsonld.js and the
    contexts verify a pasted Data Integrity CLR, and a tampered one is still refused."""
    server, trust = vector_server
    clr = next(c for c in VECTORS if c.name == "ldp_clr_valid")
    trust(clr)
    verify_text(vector_browser, server.url, "not a credential")
    kept = vector_browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const files = ["/v1/ldp.js", "/v1/vendor/jsonld.min.js", "/v1/contexts/clr-v2p0-2.0.1.json",
          "/v1/contexts/credentials-v2.jsonld", "/v1/contexts/ob-v3p0-3.0.3.json",
          "/v1/contexts/creditbank-v1.jsonld"];
        (async function poll() {
          const cached = await Promise.all(files.map((f) => caches.match(f)));
          if (navigator.serviceWorker.controller && cached.every((c) => c)) return done(true);
          if (performance.now() > 10000) return done(false);
          setTimeout(poll, 50);
        })();
        """
    )
    assert kept, "the service worker did not keep the Data Integrity files"
    vector_browser.set_network_conditions(offline=True, latency=0, throughput=0)  # type: ignore[attr-defined]
    try:
        text = clr.input_path.read_text("utf-8")
        assert verify_text(vector_browser, server.url, text) == ("valid", "")
        reached = vector_browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch('/trust-bundle', {cache: 'no-store'}).then(() => done(true), () => done(false));"
        )
        assert reached is False
        bad = next(c for c in VECTORS if c.name == "ldp_clr_tampered")
        assert verify_text(vector_browser, server.url, bad.input_path.read_text("utf-8")) == (
            "invalid",
            "bad_signature",
        )
    finally:
        vector_browser.delete_network_conditions()  # type: ignore[attr-defined]


def test_data_integrity_specification_vector(
    vector_server: tuple[LiveServer, Callable[[Case], None]],
    vector_browser: WebDriver,
) -> None:
    """The page's hashData and Ed25519 check reproduce the eddsa-rdfc-2022 specification's
    test vector (tests/vectors/data-integrity/, as tests/verifier/test_data_integrity.py),
    its examples context handed to the loader by the test, as the Python test does."""
    server, trust = vector_server
    valid = next(c for c in VECTORS if c.name == "ldp_ob3_valid")
    trust(valid)
    assert verify_text(vector_browser, server.url, valid.input_path.read_text("utf-8"))[0] == (
        "valid"
    )
    folder = Path(__file__).resolve().parents[1] / "vectors" / "data-integrity"
    signed = json.loads((folder / "eddsa-rdfc-2022-signed.json").read_text("utf-8"))
    examples = json.loads((folder / "examples-v2.jsonld").read_text("utf-8"))
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    hex_data, ok = vector_browser.execute_async_script(
        """
        const [signed, examples, url, multibase, done] = arguments;
        const L = window.creditbankLdp.shared;
        const loader = async (u) => u === url
          ? { contextUrl: null, documentUrl: u, document: examples } : L.documentLoader(u);
        const doc = { ...signed };
        delete doc.proof;
        (async () => {
          const data = await L.hashData(doc, signed.proof, loader);
          const hex = Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
          const raw = L.base58(multibase.slice(1)).slice(2);
          const alg = { name: "Ed25519" };
          const key = await crypto.subtle.importKey("raw", raw, alg, false, ["verify"]);
          const sig = L.base58(signed.proof.proofValue.slice(1));
          done([hex, await crypto.subtle.verify(alg, key, sig, data)]);
        })().catch((e) => done([String(e), false]));
        """,
        signed,
        examples,
        "https://www.w3.org/ns/credentials/examples/v2",
        expected["publicKeyMultibase"],
    )
    assert hex_data == expected["hashData"]
    assert ok is True
