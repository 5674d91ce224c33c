"""The cbqr limits have one home, ``verifier/formats/cbqr_limits.json``.

The Python constants must carry the file's values, and the verify page's ``verify.js``
must hold none of them itself (the server writes the file into it; the browser test
``test_page_reads_the_same_limits`` checks what arrives in the page).
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import keys
import verifier
from tests.vectors.cases import SHARED_TRUST
from verifier import TrustBundle, VerificationError, _verify, _verify_sd_jwt
from verifier.formats import (
    cbqr,
    jws,
    limits,
    page_bundle,
    qr_digits,
    sd_jwt,
    status_list,
    trust_bundle,
    vc_jwt,
)

ROOT = Path(__file__).resolve().parents[2]
LIMITS_PATH = ROOT / "verifier" / "formats" / "cbqr_limits.json"
VERIFY_JS = ROOT / "verifier" / "static" / "verify" / "verify.js"


def _file() -> dict[str, Any]:
    """The JSON file read directly, not through the loader under test."""
    data: dict[str, Any] = json.loads(LIMITS_PATH.read_text("utf-8"))
    return data


def _python_values() -> dict[str, Any]:
    """Every Python constant that the file's entries stand for, by the file's names."""
    return {
        "cbqr.typ": cbqr.TYP,
        "cbqr.kid_length": cbqr.KID_LENGTH,
        "cbqr.algorithms": list(keys.ALGORITHMS),
        "cbqr.signature_bytes": _verify._SIGNATURE_BYTES,
        "cbqr.max_token_length": jws.MAX_TOKEN_LENGTH,
        "cbqr.max_inflated_bytes": cbqr.MAX_INFLATED_BYTES,
        "cbqr.max_numeric_date": cbqr.MAX_NUMERIC_DATE,
        "cbqr.leeway_seconds": verifier.DEFAULT_LEEWAY,
        "cbqr.digit_offset": qr_digits._OFFSET,
        "cbqr.verify_path": cbqr.VERIFY_PATH,
        "trust_bundle.typ": trust_bundle.TYP,
        "trust_bundle.document_type": trust_bundle.DOCUMENT_TYPE,
        "trust_bundle.version": trust_bundle.VERSION,
        "trust_bundle.max_bundle_bytes": trust_bundle.MAX_BUNDLE_BYTES,
        "trust_bundle.max_status_list_bytes": status_list._MAX_LIST_BYTES,
        "trust_bundle.status_list_bits": list(limits.STATUS_LIST_BITS),
        "page_bundle.typ": page_bundle.TYP,
        "page_bundle.document_type": page_bundle.DOCUMENT_TYPE,
        "page_bundle.version": page_bundle.VERSION,
        "trust_bundle.status_values": {
            "valid": status_list.VALID,
            "revoked": status_list.REVOKED,
            "suspended": status_list.SUSPENDED,
        },
        "vc_jwt.typ": vc_jwt.TYP,
        "vc_jwt.max_length": vc_jwt.MAX_LENGTH,
        "vc_jwt.vc_context": vc_jwt.VC_CONTEXT,
        "vc_jwt.enveloped_prefix": vc_jwt.ENVELOPED_PREFIX,
        "sd_jwt.typ": sd_jwt.TYP,
        "sd_jwt.kb_typ": sd_jwt.KB_TYP,
        "sd_jwt.sd_alg": sd_jwt.SD_ALG,
        "sd_jwt.max_length": sd_jwt.MAX_LENGTH,
        "sd_jwt.vct_urn": sd_jwt.VCT,
        "sd_jwt.vct_path": sd_jwt.VCT_PATH,
        "sd_jwt.max_presentation_age_seconds": _verify_sd_jwt.DEFAULT_MAX_AGE,
    }


def _entries(data: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{section}.{name}": value
        for section, values in data.items()
        if not section.startswith("$")
        for name, value in values.items()
    }


#: Entries without a Python constant of their own, and the tests that hold them.
_CHECKED_BY_BEHAVIOUR = {"cbqr.zip": "test_written_header_*, test_read_header_needs_*"}


def test_python_constants_are_the_json_values() -> None:
    # Some of these names are defined in modules that keep a literal of their own
    # (keys.ALGORITHMS: keys may not import verifier); this comparison holds them equal.
    file = _entries(_file())
    assert _python_values() == {k: v for k, v in file.items() if k not in _CHECKED_BY_BEHAVIOUR}


def test_every_entry_of_the_file_is_checked_against_python() -> None:
    assert _python_values().keys() | _CHECKED_BY_BEHAVIOUR.keys() == _entries(_file()).keys()


def test_written_header_carries_the_json_values() -> None:
    class Signer:
        kid = "yqEmCFiVaQ4gGIAWYy6cXj5U2xFA-aEJtATUc0Xyyyk"
        alg = "ES256"

        def sign(self, data: bytes) -> bytes:
            return bytes(64)

    cred = cbqr.QRCredential("cb-test", "j", 0, None, "n", "id", (), "L1", 0)
    header = jws.split(cbqr.encode(cred, Signer())).header
    qr = _file()["cbqr"]
    assert header == {"alg": "ES256", "kid": Signer.kid[: qr["kid_length"]]} | {
        "zip": qr["zip"],
        "typ": qr["typ"],
    }


@pytest.mark.parametrize(("zip_value", "code"), [(None, "unknown_key"), ("GZIP", "malformed")])
def test_read_header_needs_the_json_zip(zip_value: str | None, code: str) -> None:
    # The header check comes before the key lookup: an unknown kid shows it passed.
    qr = _file()["cbqr"]
    header = {"alg": "ES256", "kid": "Z" * qr["kid_length"], "zip": zip_value or qr["zip"]}
    head = keys.b64url(json.dumps(header | {"typ": qr["typ"]}).encode())
    token = f"{head}.{keys.b64url(b'x')}.{keys.b64url(bytes(64))}"
    bundle = TrustBundle.load(SHARED_TRUST / "trust-bundle.json", SHARED_TRUST / "trust-anchor.jwk")
    with pytest.raises(VerificationError) as caught:
        verifier.verify(token, bundle, now=datetime(2026, 1, 15, tzinfo=UTC))
    assert caught.value.code == code


def test_a_mistyped_value_in_the_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(limits._LIMITS, "cbqr", {**_file()["cbqr"], "kid_length": "8"})
    with pytest.raises(TypeError, match=r"cbqr\.kid_length"):
        limits._int("cbqr", "kid_length")


def test_the_file_ships_in_the_wheel() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["*"]
    assert any(fnmatch.fnmatch(LIMITS_PATH.name, p) for p in patterns)
    assert json.loads(limits.limits_json()) == _file()


# -- no copy in verify.js ------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![\w$.])(?:0[xX][0-9a-fA-F]+|\d[\d_]*)(?:\s*(?:\*\*|\*|<<)\s*(?:0[xX][0-9a-fA-F]+|\d[\d_]*))*"
)
#: Small values are too common to look for as bare numbers; these are their uses.
_SMALL_COPIES = {
    "kid length": re.compile(r"slice\(\s*0\s*,\s*\d+\s*\)|length\s*[!=]==?\s*8\b"),
    "bundle version": re.compile(r"version\s*[!=]==?\s*\d"),
    "status list bits": re.compile(r"\[\s*1\s*,\s*2\s*,\s*4\s*,\s*8\s*\]"),
    "status values": re.compile(r"value\s*[!=]==?\s*\d"),
    "digit offset": re.compile(r"[+-]\s*45\b"),
}


def _code(js: str) -> str:
    """``js`` without its comments (a limit mentioned in prose is no copy)."""
    js = re.sub(r"/\*.*?\*/", "", js, flags=re.S)
    return re.sub(r"(?<![:\"'\\])//[^\n]*", "", js)


def _numbers(code: str) -> set[int]:
    values = set()
    for match in _NUMBER.finditer(code):
        expression = match.group().replace("_", "")
        values.add(int(eval(expression, {"__builtins__": {}})))  # digits and * ** << only
    return values


def hand_copies(js: str) -> list[str]:
    """What in ``js`` looks like a limit of cbqr_limits.json written out by hand."""
    code = _code(js)
    entries = _entries(_file())
    found = []
    large = {v: k for k, v in entries.items() if type(v) is int and v >= 10}
    large |= {n: "cbqr.signature_bytes" for n in _file()["cbqr"]["signature_bytes"].values()}
    found += [f"{large[n]} = {n}" for n in sorted(_numbers(code) & large.keys())]
    found += [what for what, pattern in _SMALL_COPIES.items() if pattern.search(code)]
    # Algorithm names stay in verify.js: they name WebCrypto's parameters per key type.
    texts = {v: k for k, v in entries.items() if type(v) is str}
    found += [f"{texts[t]} = {t!r}" for t in texts if f'"{t}"' in code or f"'{t}'" in code]
    return found


#: The page's scripts that verify: the QR credential's, the VC JWTs' and SD-JWT VCs'.
VERIFYING_SCRIPTS = ("verify.js", "jwt.js", "sdjwt.js")


@pytest.mark.parametrize("name", VERIFYING_SCRIPTS)
def test_verify_js_holds_no_copy_of_a_limit(name: str) -> None:
    assert hand_copies((VERIFY_JS.parent / name).read_text("utf-8")) == []


@pytest.mark.parametrize(
    "line",
    [
        "const MAX_INFLATED = 64 * 1024;",
        "const MAX_TOKEN = 16384;",
        "const MAX_LIST = 16 * 1024 * 1024;",
        "if (n > 0x10000) fail();",
        "const LEEWAY = 60;",
        "if (kid.length !== 8) fail();",
        "key.kid.slice(0, 8)",
        'if (header.zip !== "DEF") fail();',
        "const VERIFY_PATH = '/v1';",
        "String.fromCharCode(Number(pair) + 45)",
    ],
)
def test_a_hand_copy_would_be_found(line: str) -> None:
    js = VERIFY_JS.read_text("utf-8").replace('"use strict";', f'"use strict";\n{line}', 1)
    assert hand_copies(js), line
