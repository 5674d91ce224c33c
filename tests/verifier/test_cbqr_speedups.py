"""The compiled cbqr fast paths give exactly what the Python decoder gives, or decline.

verifier/formats/_cbqr_speedups.c answers only the common, well-formed case and returns
None for anything else, so that the Python implementation decides and names the error.
These tests hold it to that: on golden vectors, on random credentials, on random
corruptions of QR digits and on claims JSON spelled in every way JSON allows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keys import Signer, generate_private_key
from tests.vectors.cases import case, case_names
from tests.verifier.test_cbqr_json import _credentials
from verifier import VerificationError
from verifier._input import read_input
from verifier.formats import _jws, cbqr
from verifier.formats._digits import encode_digits
from verifier.formats.holder_key import holder_signer, new_holder_jwk

speedups = cbqr._cbqr_speedups
if speedups is None:
    # CI builds them (make install compiles setup.py's extension) and sets
    # CREDITBANK_REQUIRE_SPEEDUPS so that a broken build fails instead of skipping.
    if os.environ.get("CREDITBANK_REQUIRE_SPEEDUPS"):
        raise RuntimeError("verifier.formats._cbqr_speedups is not built")
    pytest.skip("the compiled cbqr fast paths are not built here", allow_module_level=True)

SIGNER = holder_signer(new_holder_jwk())  # any ES256 key signs test credentials
BASE = "https://creditbank.example"


def python_parts(text: str) -> tuple[bytes, bytes, bytes, bytes]:
    jws = _jws.split(cbqr.jws_bytes(text))
    head = jws.signing_input.split(b".")[0]
    return head, jws.signing_input, jws.payload, jws.signature


@contextlib.contextmanager
def python_only() -> Iterator[None]:
    """Run cbqr without its compiled helper."""
    saved, cbqr._cbqr_speedups = cbqr._cbqr_speedups, None
    try:
        yield
    finally:
        cbqr._cbqr_speedups = saved


def python_claims(payload: bytes) -> cbqr.QRCredential:
    with python_only():
        return cbqr.parse_claims(payload)


def compiled_claims(payload: bytes) -> cbqr.QRCredential | None:
    return speedups.read_claims(payload)


def agree_on_text(text: str) -> bool:
    """The helper's split equals the Python split, or it declined. True: it answered.

    The header stays encoded in both; verify() parses it next with _jws.header_of.
    """
    fast = speedups.split_qr(text)
    if fast is None:
        return False
    assert fast == python_parts(text)
    return True


def agree_on_payload(payload: bytes) -> bool:
    """The helper's claims equal the Python claims, or it declined. True: it answered."""
    fast = compiled_claims(payload)
    if fast is None:
        return False
    assert fast == python_claims(payload)
    return True


def same_claims_or_declined(payload: bytes) -> None:
    """Where Python refuses the payload the helper declines it; elsewhere they agree."""
    try:
        python_claims(payload)
    except VerificationError:
        assert speedups.read_claims(payload) is None
        return
    agree_on_payload(payload)


@pytest.mark.parametrize("name", case_names())
def test_golden_vectors(name: str) -> None:
    try:
        text = read_input(str(case(name).input_path))
    except VerificationError:  # an image without a QR code: nothing to decode
        return
    if agree_on_text(text):
        agree_on_payload(python_parts(text)[2])


def test_the_valid_vector_takes_the_fast_path() -> None:
    text = read_input(str(case("valid").input_path))
    assert agree_on_text(text) and agree_on_payload(python_parts(text)[2])


@settings(max_examples=150, deadline=None)
@given(_credentials)
def test_issued_credentials_take_the_fast_path(cred: cbqr.QRCredential) -> None:
    """Everything the issuer writes (sizes permitting) is read by the helper."""
    jws = cbqr.encode(cred, SIGNER)
    text = cbqr.to_qr_text(jws, BASE)
    assert text.rpartition("#")[2] == speedups.jws_digits(jws) == encode_digits(jws)
    assert agree_on_text(text) and agree_on_text(text.rpartition("#")[2])
    payload = python_parts(text)[2]
    if len(zlib.decompress(payload, -15)) <= 16_384 and "\\" not in cbqr.claims_json(cred):
        assert agree_on_payload(payload)
    else:
        agree_on_payload(payload)


_edits = st.lists(
    st.tuples(st.sampled_from(["set", "insert", "delete"]), st.integers(0, 2_000), st.characters()),
    min_size=1,
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(cred=_credentials, edits=_edits)
def test_corrupted_qr_text(cred: cbqr.QRCredential, edits: list[tuple[str, int, str]]) -> None:
    """A corrupted QR string is declined, or split exactly as Python splits it."""
    chars = list(cbqr.to_qr_text(cbqr.encode(cred, SIGNER), BASE))
    for op, position, char in edits:
        at = position % (len(chars) + 1)
        if op == "insert":
            chars.insert(at, char)
        elif chars and at < len(chars):
            if op == "set":
                chars[at] = char
            else:
                del chars[at]
    text = "".join(chars)
    try:
        python_parts(text)
    except VerificationError as exc:
        fast = speedups.split_qr(text)
        if fast is not None:
            # The helper checks the header's base64url and leaves its JSON to header_of,
            # which verify() calls next: the same error, at the same step.
            with pytest.raises(type(exc)):
                _jws.header_of(fast[0])
        return
    agree_on_text(text)


_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
)


_JSON_CHARS = st.sampled_from(list('0123456789-+.eE"\\,:{}[] \tnu\x00\x1f\u00e9'))


def _respell(claims: dict[str, Any], draw: st.DrawFn) -> str:
    """The claims as JSON, spelled in one of the many ways JSON allows."""
    indent = draw(st.sampled_from([None, 0, 1]))
    separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (",", " : ")]))
    ascii_only = draw(st.booleans())
    return json.dumps(claims, indent=indent, separators=separators, ensure_ascii=ascii_only)


@st.composite
def _claim_variants(draw: st.DrawFn) -> bytes:
    claims: dict[str, Any] = cbqr.to_claims(draw(_credentials))
    entry = claims["cr"][0]
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from([claims, entry]))
        key = draw(st.sampled_from([*target.keys(), "x", "exp", "h", "st", "c"]))
        choice = draw(st.integers(0, 3))
        if choice == 0:
            target.pop(key, None)
        elif choice == 1:
            target[key] = draw(_json_scalars)
        elif choice == 2:
            target[key] = draw(st.lists(_json_scalars, max_size=3))
        else:
            target[key] = str(draw(st.floats(0, 10)))
    if draw(st.booleans()):
        claims = dict(reversed(list(claims.items())))
    text = _respell(claims, draw)
    text += draw(st.sampled_from(["", " ", "x", "{}"]))
    # Then a few raw edits: leading zeros, signs, exponents, escapes, broken structure.
    for position, char in draw(st.lists(st.tuples(st.integers(0, 400), _JSON_CHARS), max_size=2)):
        at = position % (len(text) + 1)
        text = text[:at] + char + text[at + draw(st.integers(0, 1)) :]
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 9, wbits=-15)


@settings(max_examples=400, deadline=None)
@given(_claim_variants())
def test_claims_in_any_spelling(payload: bytes) -> None:
    """Whatever the JSON looks like, the helper reads it as Python does, or declines."""
    same_claims_or_declined(payload)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not deflate",
        zlib.compress(b"{}", 9, wbits=-15)[:-1],  # truncated stream
        zlib.compress(b"{}", 9, wbits=-15) + b"trailing",
        zlib.compress(b"x" * 70_000, 9, wbits=-15),  # beyond the helper's 16 KiB
        zlib.compress(b"\xff\xfe", 9, wbits=-15),
    ],
)
def test_payloads_the_helper_declines(payload: bytes) -> None:
    assert speedups.read_claims(payload) is None


@pytest.mark.parametrize("jws", ["a+b.c.d", "a b", "é.a.b", "中.a.b", "a=.b.c", "a\n"])
def test_jws_digits_declines_what_encode_digits_refuses(jws: str) -> None:
    assert speedups.jws_digits(jws) is None
    with pytest.raises(VerificationError):
        encode_digits(jws)


@pytest.mark.parametrize(
    ("part", "title"),
    # header, payload and signature; titles whose payloads are 2 and 3 (mod 4) characters
    [(0, "课"), (1, "课程"), (1, "课程表格"), (2, "课")],
)
def test_unused_base64_bits_are_declined(part: int, title: str) -> None:
    """A last character with unused bits set decodes to the same bytes: Python refuses it."""
    entry = cbqr.CreditEntry(title, "AM", "course", 2, None, "S@1", "I", dt.date(2026, 1, 1))
    cred = cbqr.QRCredential("CB", "j", 0, None, "n", "id", (entry,), "1", 0)
    parts = cbqr.encode(cred, SIGNER).split(".")
    assert len(parts[part]) % 4 >= 2, "this title no longer gives a part with unused bits"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    value = alphabet.index(parts[part][-1]) | 1  # the lowest bit is unused either way
    parts[part] = parts[part][:-1] + alphabet[value]
    text = f"{BASE}/v1#{encode_digits('.'.join(parts))}"
    with pytest.raises(VerificationError):
        python_parts(text)
    assert speedups.split_qr(text) is None


def test_texts_the_helper_declines() -> None:
    jws = cbqr.jws_bytes(read_input(str(case("valid").input_path)))
    assert isinstance(jws, bytes)
    digits = encode_digits(jws.decode())
    for text in [
        "",
        "#",
        f"{BASE}/v2#{digits}",  # not the verify path
        f" {digits} ",  # whitespace: Python strips it
        f"{BASE}/验证/v1#{digits}",  # not Latin-1
        digits[:-1],
        digits + "0",
        digits.replace("0", "a", 1),
        jws.decode(),  # a bare JWS is Python's to split
    ]:
        assert speedups.split_qr(text) is None, text


_CANONICAL = cbqr.claims_json(
    cbqr.QRCredential(
        "CB", "j1", 1_700_000_000, 1_900_000_000, "名", "4101**1234",
        (cbqr.CreditEntry("课", "AM", "course", 5, 40, "S@1", "I", dt.date(2026, 6, 30)),),
        "1", 7,
    )
)  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"c":2.5', '"c":2.0'),
        ('"c":2.5', '"c":2.50'),
        ('"c":2.5', '"c":2.25'),
        ('"c":2.5', '"c":2.'),
        ('"c":2.5', '"c":2.5e0'),
        ('"c":2.5', '"c":25e-1'),
        ('"c":2.5', '"c":-2'),
        ('"c":2.5', '"c":02'),
        ('"c":2.5', '"c":2x'),
        ('"c":2.5', '"c":true'),
        ('"c":2.5', '"c":1000000000000.5'),
        ('"h":40', '"h":040'),
        ('"h":40', '"h":-40'),
        ('"h":40', '"h":null'),
        ('"h":40', '"h":4.0'),
        ('"nbf":1700000000', '"nbf":01700000000'),
        ('"nbf":1700000000', '"nbf":253402300799'),
        ('"nbf":1700000000', '"nbf":253402300800'),
        ('"nbf":1700000000', '"nbf":1700000000,"nbf":5'),
        ('"exp":1900000000', '"exp":null'),
        ('"exp":1900000000', '"exp":999999999999999999'),
        ('"st":["1",7]', '"st":["1",07]'),
        ('"st":["1",7]', '"st":["1",99999999999999999999]'),
        ('"st":["1",7]', '"st":["1",7,8]'),
        ('"t":"课"', '"t":"课","t":"课程"'),
        ('"t":"课"', '"t":"\\u8bfe"'),
        ('"dt":"2026-06-30"', '"dt":"2026-02-30"'),
        ('"dt":"2026-06-30"', '"dt":"20260630"'),
        ('"dt":"2026-06-30"', '"dt":"0000-06-30"'),
        ('"i":"I"', '"i":"I","x":1'),
        ('"st":["1",7]}', '"st":["1",7]} '),
        ('"st":["1",7]}', '"st":["1",7]}x'),
        ('"st":["1",7]}', '"st":["1",7]}{}'),
        ("{", " {"),
    ],
)
def test_claims_at_the_edges(old: str, new: str) -> None:
    assert old in _CANONICAL
    same_claims_or_declined(zlib.compress(_CANONICAL.replace(old, new).encode(), 9, wbits=-15))


def test_the_canonical_claims_take_the_fast_path() -> None:
    assert agree_on_payload(zlib.compress(_CANONICAL.encode(), 9, wbits=-15))


# Ed25519 signatures are deterministic, so both issuing paths must give the same token.
ED_SIGNER = Signer(generate_private_key("EdDSA"), "EdDSA", "ed-test-key")


def python_issue(cred: cbqr.QRCredential, base: str) -> tuple[str, str]:
    with python_only():
        return cbqr.issue_qr(cred, ED_SIGNER, base)


@settings(max_examples=200, deadline=None)
@given(cred=_credentials, base=st.sampled_from([BASE, BASE + "/", "https://学分.example/验证"]))
def test_issuing_writes_what_the_python_encoder_writes(cred: cbqr.QRCredential, base: str) -> None:
    assert cbqr.issue_qr(cred, ED_SIGNER, base) == python_issue(cred, base)
    assert speedups.issue_qr(cred, "h", ED_SIGNER.sign, "p#") is not None  # took the fast path


def _entry(**changes: Any) -> cbqr.CreditEntry:
    fields: dict[str, Any] = {
        "title": "课", "domain": "AM", "kind": "course", "half_credits": 3, "hours": 16,
        "standard": "S@1", "institution": "I", "date": dt.date(2026, 1, 2),
    }  # fmt: skip
    return cbqr.CreditEntry(**{**fields, **changes})


def _credential(**changes: Any) -> cbqr.QRCredential:
    fields: dict[str, Any] = {
        "issuer": "CB", "jti": "j", "nbf": 1, "exp": None, "name": "n", "masked_id": "m",
        "entries": (_entry(),), "status_list": "1", "status_index": 5,
    }  # fmt: skip
    return cbqr.QRCredential(**{**fields, **changes})


class _Text(str):
    pass


@pytest.mark.parametrize(
    "cred",
    [
        _credential(entries=(_entry(hours=-1),)),
        _credential(entries=(_entry(half_credits=-3),)),
        _credential(entries=(_entry(half_credits=2**60 + 1),)),
        _credential(status_index=-1),
        _credential(nbf=True),
        _credential(name=_Text("名")),
        _credential(entries=(_entry(date=dt.datetime(2026, 1, 2, 3, 4)),)),
        _credential(entries=[_entry()]),
        _credential(entries=tuple(_entry(title=f"{i:x}" * 9) for i in range(3_000))),
    ],
)
def test_unusual_credentials_are_left_to_the_python_encoder(cred: cbqr.QRCredential) -> None:
    if speedups.issue_qr(cred, "h", ED_SIGNER.sign, "p#") is not None:
        # the helper took it (a big credential that still deflates below 16 KiB)
        assert cbqr.issue_qr(cred, ED_SIGNER, BASE) == python_issue(cred, BASE)
    else:
        python_issue(cred, BASE)  # the Python encoder writes it (or raises) on its own


def test_a_lone_surrogate_fails_as_in_python() -> None:
    cred = _credential(name="\ud800")
    assert speedups.issue_qr(cred, "h", ED_SIGNER.sign, "p#") is None
    with pytest.raises(UnicodeEncodeError):
        cbqr.issue_qr(cred, ED_SIGNER, BASE)


def test_a_failing_signer_fails_issuance() -> None:
    def broken(data: bytes) -> bytes:
        raise RuntimeError("the key is gone")

    with pytest.raises(RuntimeError, match="the key is gone"):
        speedups.issue_qr(_credential(), "h", broken, "p#")
    with pytest.raises(TypeError):
        speedups.issue_qr(_credential(), "h", lambda data: "not bytes", "p#")
