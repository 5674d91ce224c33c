"""The verify page and the Python verifier on Data Integrity input beyond the ldp vectors.

The valid OB 3.0 and CLR 2.0 Data Integrity vectors are changed in many places — one
character replaced, one removed, the text cut short — and each result is handed to the
Python verifier (as the CLI: kind by ``detect``, then that kind's verifier) and to the page
in Chromium (kind by formats.js, then ldp.js, as page.js does). The page must give the
same code for every one (181 inputs per vector): what is no longer JSON, a member or a
context changed, a signed value changed, a proof value changed all end in the same verdict
in both — a relative IRI resolved against PyLD's default base in both.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytest.importorskip("selenium")

from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import LiveServer
from tests.browser.pages import open_fresh
from tests.browser.test_vc_page_agreement import _changed, _python
from tests.vectors.cases import Case, ldp_cases
from verifier import TrustBundle


@pytest.mark.parametrize("name", ["ldp_ob3_valid", "ldp_clr_valid"])
def test_page_and_python_agree_on_changed_data_integrity_credentials(
    name: str,
    vector_server: tuple[LiveServer, Callable[[Case], None]],
    vector_browser: WebDriver,
) -> None:
    server, trust = vector_server
    vector = next(c for c in ldp_cases() if c.name == name)
    trust(vector)
    open_fresh(vector_browser, f"{server.url}/v1")
    text = vector.input_path.read_text("utf-8").strip()
    inputs = {"as it is": text} | _changed(text, 60)
    bundle = TrustBundle.load(vector.bundle_path, vector.anchor_path)
    expected = {k: _python(v, vector, bundle) for k, v in inputs.items()}
    vector_browser.set_script_timeout(300)
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
        (async () => {
          await load("/v1/jwt.js");
          await load("/v1/vendor/jsonld.min.js");
          await load("/v1/ldp.js");
          const out = {};
          for (const [key, t] of Object.entries(inputs)) {
            // As page.js does: the kind formats.js finds, then that kind's verifier.
            const kind = window.creditbankFormats.detect(t);
            try {
              if (kind === "ob3-ldp" || kind === "clr-ldp") {
                await window.creditbankLdp.verify(kind, t, trust, null);
              } else if (kind === "ob3" || kind === "clr") {
                await window.creditbankJwt.verify(kind, t, trust, null);
              } else {
                await V.verify(t, trust, null);
              }
              out[key] = "valid";
            } catch (e) {
              out[key] = e instanceof V.VerificationError ? e.code : "crash: " + e;
            }
          }
          done(out);
        })();
        """,
        inputs,
    )
    assert expected["as it is"] == "valid"
    assert len(set(expected.values())) >= 3, "the changes must reach several checks"
    assert {k: (v, expected[k]) for k, v in got.items() if v != expected[k]} == {}
