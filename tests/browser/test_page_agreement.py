"""The verify page and the Python verifier on input beyond the golden vectors.

Where the vectors pin one case per error code, this file holds the corners where a
JavaScript verifier easily parts from Python: which whitespace ``str.strip`` removes,
characters outside the JWS alphabet before the part count, code points against UTF-16
units, what Python's json module reads (NaN, Infinity, 1.0 as a float, a byte order
mark before a header) and what ``date.fromisoformat`` takes. Signed cases are signed
with the vectors' test key, so they reach the claims. The expected outcome of each input
is the Python verifier's, computed here; the page must state the same code, and for a
valid credential the same entry dates and credits.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("selenium")

from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import VECTOR_TIME, LiveServer
from tests.browser.pages import open_fresh
from tests.vectors import generate
from tests.vectors.cases import Case, case
from verifier import TrustBundle, VerificationError, verify
from verifier.formats import cbqr
from verifier.formats.qr_digits import decode_digits

#: Python's outcome: an error code, or the (date, credits) of each entry when valid.
Outcome = str | list[list[Any]]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unsigned_inputs(qr_text: str) -> dict[str, str]:
    jws = decode_digits(qr_text.rpartition("#")[2])
    head, body, sig = jws.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))

    def with_header(text: bytes) -> str:
        return f"{_b64(text)}.{body}.{sig}"

    return {
        "dollar before the only dot": "abc$.def",
        "dollar and four parts": "a$.b.c.d",
        "non-ASCII and three parts": "é.a.b",
        "link of another system": "https://example.com/ticket/12345",
        "byte order mark before the JWS": "\ufeff" + jws,
        "file separator before the JWS": "\x1c" + jws,
        "NEL and ideographic space around": "\x85" + jws + "\u3000",
        "emoji: few code points, many UTF-16 units": "\U0001f600" * 9000 + ".a.b",
        "too long in code points": "\U0001f600" * 16385 + ".a.b",
        "header with NaN": with_header(json.dumps({**header, "x": float("nan")}).encode()),
        "header with a byte order mark": with_header(b"\xef\xbb\xbf" + json.dumps(header).encode()),
        "header with a float kid": with_header(json.dumps({**header, "kid": 1.0}).encode()),
        "header with whitespace": with_header(b" " + json.dumps(header).encode() + b"\n"),
        "header Infinity": with_header(b"Infinity"),
        "header -NaN": with_header(b"-NaN"),
        "header with -Infinity alg": with_header(
            json.dumps({**header, "alg": -float("inf")}).encode()
        ),
    }


def _claims_text(**changes: str) -> str:
    """The base credential's claims as JSON, with members replaced by raw JSON text."""
    claims = cbqr.to_claims(generate.credential())
    text = json.dumps(claims, ensure_ascii=False, separators=(",", ":"))
    for name, raw in changes.items():
        if name.startswith("cr."):
            entry = json.dumps(claims["cr"][0], ensure_ascii=False, separators=(",", ":"))
            member = name[3:]
            old = json.dumps(claims["cr"][0][member], ensure_ascii=False)
            text = text.replace(entry, entry.replace(f'"{member}":{old}', f'"{member}":{raw}'))
        elif name in claims:
            old = json.dumps(claims[name], ensure_ascii=False, separators=(",", ":"))
            text = text.replace(f'"{name}":{old}', f'"{name}":{raw}')
        else:
            text = text[:-1] + f',"{name}":{raw}}}'
    return text


def _signed_inputs() -> dict[str, str]:
    key = generate.signer("test-signing-es256")
    claims: dict[str, str] = {
        "plain": _claims_text(),
        "nbf as a float": _claims_text(nbf="1768003200.0"),
        "nbf with an exponent": _claims_text(nbf="1.7680032e9"),
        "exp NaN": _claims_text(exp="NaN"),
        "exp null": _claims_text(exp="null"),
        "unknown members NaN, Infinity, 1e999": _claims_text(x="NaN", y="-Infinity", z="1e999"),
        "credits 2.0": _claims_text(**{"cr.c": "2.0"}),
        "credits 1e0": _claims_text(**{"cr.c": "1e0"}),
        "credits -0.0": _claims_text(**{"cr.c": "-0.0"}),
        "credits NaN": _claims_text(**{"cr.c": "NaN"}),
        "credits Infinity": _claims_text(**{"cr.c": "Infinity"}),
        "credits 0.25": _claims_text(**{"cr.c": "0.25"}),
        "credits true": _claims_text(**{"cr.c": "true"}),
        "hours 56.0": _claims_text(**{"cr.h": "56.0"}),
        "hours null": _claims_text(**{"cr.h": "null"}),
        "status index 1000.0": _claims_text(st='["L1",1000.0]'),
        "claims a float": "1.0",
        "claims an array": "[]",
        "duplicate iss, the last one counts": '{"iss":"other",' + _claims_text()[1:],
        "space before the claims": " " + _claims_text(),
        "newline after the claims": _claims_text() + "\n",
    }
    for day in (
        "20251220",
        "2025-W51-6",
        "2025W516",
        "2025-W51",
        "2026-W53-1",
        "2025-W53-1",
        "2025-W51-0",
        "2025-1220",
        "0000-01-01",
        "0001-01-01",
        "0099-02-29",
        "0096-02-29",
        "2025-02-29",
        "2025-12-20 ",
    ):
        claims[f"date {day!r}"] = _claims_text(**{"cr.dt": json.dumps(day)})
    header = generate.cbqr_header(key)
    return {
        f"signed, {name}": generate.qr_text(
            generate.raw_jws(header, cbqr.deflate(text.encode()), key)
        )
        for name, text in claims.items()
    }


def _python_outcome(text: str, bundle: TrustBundle) -> Outcome:
    try:
        result = verify(text, bundle, now=VECTOR_TIME).to_json()
    except VerificationError as exc:
        return exc.code
    return [[e["date"], e["credits"]] for e in result["entries"]]


def test_page_and_python_agree_on_unusual_input(
    vector_server: tuple[LiveServer, Callable[[Case], None]], vector_browser: WebDriver
) -> None:
    server, trust = vector_server
    valid = case("valid")
    trust(valid)
    open_fresh(vector_browser, f"{server.url}/v1")
    inputs = _unsigned_inputs(valid.input_path.read_text("utf-8").strip()) | _signed_inputs()
    bundle = TrustBundle.load(valid.bundle_path, valid.anchor_path)
    expected = {name: _python_outcome(text, bundle) for name, text in inputs.items()}
    got = vector_browser.execute_async_script(
        """
        const [inputs, done] = [arguments[0], arguments[arguments.length - 1]];
        const V = window.creditbankVerify;
        const config = JSON.parse(document.getElementById("cb-config").textContent);
        const trust = V.loadTrust(config);
        const outcome = (t) => V.verify(t, trust, config.maxAgeHours).then(
          (r) => r.cred.entries.map((e) => [e.date, e.credits]),
          (e) => (e instanceof V.VerificationError ? e.code : "crash: " + e));
        Promise.all(Object.values(inputs).map(outcome)).then(
          (all) => done(Object.fromEntries(Object.keys(inputs).map((k, i) => [k, all[i]]))));
        """,
        inputs,
    )
    # The inputs must reach many checks, valid ones included, or the test shows little.
    codes = {o for o in expected.values() if isinstance(o, str)}
    assert {"bad_encoding", "malformed", "too_large", "bad_signature"} <= codes
    assert sum(isinstance(o, list) for o in expected.values()) >= 10
    assert {k: v for k, v in got.items() if v != expected[k]} == {}


def _known_differences(qr_text: str) -> dict[str, tuple[str, str, str, str]]:
    """``name: (input, Python's code, the page's code, why)`` where the two part on purpose.

    Each is an unsigned header only an attacker would write: both call it not valid.
    """
    jws = decode_digits(qr_text.rpartition("#")[2])
    head, body, sig = jws.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    text = json.dumps(header)

    def with_header(raw: bytes) -> str:
        return f"{_b64(raw)}.{body}.{sig}"

    deep = json.dumps({**header, "x": "DEEP"}).replace('"DEEP"', "[" * 3000 + "]" * 3000)
    return {
        "header in UTF-16": (
            with_header(text.encode("utf-16-le")),
            "bad_signature",
            "bad_encoding",
            "json.loads of bytes guesses UTF-16 and UTF-32; the page reads UTF-8 only",
        ),
        "header with an encoded surrogate": (
            with_header(text[:-1].encode() + b',"x":"\xed\xa0\x80"}'),
            "bad_signature",
            "bad_encoding",
            "json.loads of bytes decodes with surrogatepass; TextDecoder refuses surrogates",
        ),
        "header nested 3000 deep": (
            with_header(deep.encode()),
            "malformed",
            "bad_signature",
            "Python's json stops at its recursion limit; JSON.parse has none to match",
        ),
    }


def test_page_and_python_differ_only_where_stated(
    vector_server: tuple[LiveServer, Callable[[Case], None]], vector_browser: WebDriver
) -> None:
    server, trust = vector_server
    valid = case("valid")
    trust(valid)
    open_fresh(vector_browser, f"{server.url}/v1")
    known = _known_differences(valid.input_path.read_text("utf-8").strip())
    bundle = TrustBundle.load(valid.bundle_path, valid.anchor_path)
    inputs = {name: text for name, (text, _, _, _) in known.items()}
    got = vector_browser.execute_async_script(
        """
        const [inputs, done] = [arguments[0], arguments[arguments.length - 1]];
        const V = window.creditbankVerify;
        const config = JSON.parse(document.getElementById("cb-config").textContent);
        const trust = V.loadTrust(config);
        Promise.all(Object.values(inputs).map((t) => V.verify(t, trust, null).then(
          () => "valid", (e) => (e instanceof V.VerificationError ? e.code : "crash: " + e)))
        ).then((all) => done(Object.fromEntries(Object.keys(inputs).map((k, i) => [k, all[i]]))));
        """,
        inputs,
    )
    for name, (text, python_code, page_code, _why) in known.items():
        assert (_python_outcome(text, bundle), got[name]) == (python_code, page_code), name
