"""The verify page and the Python verifier on OB 3.0 / SD-JWT input beyond the vc vectors.

Each valid vector is changed in many places — one character replaced, one removed, the
text cut short — and each result is handed to the Python verifier (as the CLI: kind by
``detect``, then that kind's verifier) and to the page in Chromium (kind by formats.js,
then jwt.js, sdjwt.js or the QR verifier, as page.js does). The page must give the same
code for every one (181 inputs per vector: bad_encoding, malformed, bad_signature,
unknown_disclosure, holder_binding_failed among them).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytest.importorskip("selenium")

from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import LiveServer
from tests.browser.pages import open_fresh
from tests.vectors.cases import Case, vc_cases
from verifier import TrustBundle, VerificationError
from verifier._detect import verify_detected

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _changed(text: str, count: int) -> dict[str, str]:
    """``text`` changed at ``count`` spread-out places, three ways at each."""
    out = {}
    for n in range(count):
        at = (n * 7919) % len(text)
        char = text[at]
        other = _B64[(_B64.find(char) + 1) % len(_B64)] if char in _B64 else "A"
        out[f"replace {at}"] = text[:at] + other + text[at + 1 :]
        out[f"remove {at}"] = text[:at] + text[at + 1 :]
        out[f"cut at {at}"] = text[:at]
    return out


def _python(text: str, vector: Case, trust: TrustBundle) -> str:
    try:
        verify_detected(
            text,
            trust,
            now=vector.at,
            max_bundle_age=None,
            audience=vector.expected.get("audience"),
            nonce=vector.expected.get("nonce"),
        )
    except VerificationError as exc:
        return exc.code
    return "valid"


@pytest.mark.parametrize("name", ["ob3_valid", "clr_valid", "sd_valid"])
def test_page_and_python_agree_on_changed_forms(
    name: str,
    vector_server: tuple[LiveServer, Callable[[Case], None]],
    vector_browser: WebDriver,
) -> None:
    server, trust = vector_server
    vector = next(c for c in vc_cases() if c.name == name)
    trust(vector)
    open_fresh(vector_browser, f"{server.url}/v1")
    text = vector.input_path.read_text("utf-8").strip()
    inputs = {"as it is": text} | _changed(text, 60)
    bundle = TrustBundle.load(vector.bundle_path, vector.anchor_path)
    expected = {k: _python(v, vector, bundle) for k, v in inputs.items()}
    got = vector_browser.execute_async_script(
        """
        const [inputs, done] = [arguments[0], arguments[arguments.length - 1]];
        const V = window.creditbankVerify;
        const config = JSON.parse(document.getElementById("cb-config").textContent);
        const trust = V.loadTrust(config);
        const load = (src) => new Promise((resolve) => {
          const s = document.createElement("script");
          s.src = src;
          s.onload = resolve;
          document.head.appendChild(s);
        });
        load("/v1/jwt.js").then(() => load("/v1/sdjwt.js")).then(() => {
          // As page.js does: the kind formats.js finds, then that kind's verifier.
          const check = (t) => {
            const kind = window.creditbankFormats.detect(t);
            if (kind === "sd-jwt") return window.creditbankSdJwt.verify(t, trust, null);
            const J = window.creditbankJwt;
            if (kind === "ob3" || kind === "clr") return J.verify(kind, t, trust, null);
            return V.verify(t, trust, null);
          };
          const outcome = (t) => check(t).then(() => "valid",
            (e) => (e instanceof V.VerificationError ? e.code : "crash: " + e));
          return Promise.all(Object.values(inputs).map(outcome));
        }).then((all) => done(Object.fromEntries(Object.keys(inputs).map((k, i) => [k, all[i]]))));
        """,
        inputs,
    )
    assert expected["as it is"] == "valid"
    assert len(set(expected.values())) >= 4, "the changes must reach several checks"
    assert {k: (v, expected[k]) for k, v in got.items() if v != expected[k]} == {}
