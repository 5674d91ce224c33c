"""The numeric QR encoding of a JWS, and what a tampered or random input does to verify()."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vectors.cases import case
from verifier import TrustBundle, VerificationError, verify
from verifier._input import read_qr_image
from verifier.formats import cbqr
from verifier.formats.jws import split
from verifier.formats.qr_digits import decode_digits, encode_digits

JWS_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
jws_text = st.text(alphabet=JWS_ALPHABET, min_size=1, max_size=400)

VALID = case("valid")
VALID_TEXT = VALID.input_path.read_text("utf-8").strip()
VALID_DIGITS = VALID_TEXT.rpartition("#")[2]
TRUST = TrustBundle.load(VALID.bundle_path, VALID.anchor_path)
AT = VALID.at


# -- the encoding itself -------------------------------------------------------------------


def test_smart_health_cards_mapping() -> None:
    """Each character becomes ``ord(c) - 45`` as two digits: ``-`` 00, ``.`` 01, ``z`` 77."""
    assert encode_digits("-.0A_az") == "00010320505277"
    assert decode_digits("00010320505277") == "-.0A_az"


@given(jws_text)
def test_round_trip(text: str) -> None:
    digits = encode_digits(text)
    assert len(digits) == 2 * len(text) and digits.isdigit()
    assert decode_digits(digits) == text


@given(st.text(min_size=1).filter(lambda t: any(c not in JWS_ALPHABET for c in t)))
def test_encode_refuses_characters_outside_the_alphabet(text: str) -> None:
    with pytest.raises(VerificationError) as caught:
        encode_digits(text)
    assert caught.value.code == "bad_encoding"


@pytest.mark.parametrize(
    "digits",
    [
        pytest.param("", id="empty"),
        pytest.param("123", id="odd-length"),
        pytest.param("99", id="pair-above-z"),
        pytest.param("02", id="slash"),
        pytest.param("0x", id="letter"),
        pytest.param("٠١", id="arabic-indic-digits"),
        pytest.param("１２", id="fullwidth-digits"),
    ],
)
def test_decode_refuses(digits: str) -> None:
    with pytest.raises(VerificationError) as caught:
        decode_digits(digits)
    assert caught.value.code == "bad_encoding"


def test_valid_vector_digits_decode_to_its_bare_jws() -> None:
    bare = case("valid_bare_jws").input_path.read_text("utf-8").strip()
    assert decode_digits(VALID_DIGITS) == bare
    assert cbqr.extract_jws(VALID_TEXT) == bare


# -- tampering -----------------------------------------------------------------------------


def test_the_untampered_credential_verifies() -> None:
    """The control for the tamper property below."""
    assert verify(VALID_TEXT, TRUST, now=AT).credential.jti == "cbqr-test-0001"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_single_digit_tamper_is_rejected(data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(VALID_DIGITS) - 1), label="position")
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != VALID_DIGITS[position]))
    tampered = VALID_DIGITS[:position] + digit + VALID_DIGITS[position + 1 :]
    with pytest.raises(VerificationError):
        verify(tampered, TRUST, now=AT)


def test_every_tamper_of_the_last_two_digits_is_rejected() -> None:
    """Exhaustive where a lenient base64 decoder is weakest: the unused bits at the end."""
    for position in (len(VALID_DIGITS) - 2, len(VALID_DIGITS) - 1):
        for digit in "0123456789":
            if digit == VALID_DIGITS[position]:
                continue
            tampered = VALID_DIGITS[:position] + digit + VALID_DIGITS[position + 1 :]
            with pytest.raises(VerificationError):
                verify(tampered, TRUST, now=AT)


# -- hostile input never escapes as anything but VerificationError -------------------------


def _only_verification_errors(data: str | bytes) -> None:
    with contextlib.suppress(VerificationError):
        verify(data, TRUST, now=AT)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    _only_verification_errors(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_random_text(text: str) -> None:
    _only_verification_errors(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", max_size=600))
def test_random_digits(digits: str) -> None:
    _only_verification_errors(digits)
    _only_verification_errors(f"http://127.0.0.1:8000/v1#{digits}")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=JWS_ALPHABET[:-1], max_size=120), min_size=1, max_size=4))
def test_random_jws_shapes(parts: list[str]) -> None:
    _only_verification_errors(".".join(parts))


@pytest.mark.parametrize(
    "header_json",
    [
        pytest.param(b"[" * 5000, id="deeply-nested-header"),
        pytest.param(b"[]", id="header-is-a-list"),
        pytest.param(b"\xff\xfe", id="header-not-utf8"),
        pytest.param(b'{"typ":"cbqr+jwt","zip":"DEF","alg":"ES256","kid":12345678}', id="kid-int"),
    ],
)
def test_hostile_headers_raise_verification_errors(header_json: bytes) -> None:
    from keys import b64url

    token = f"{b64url(header_json)}.AAAA.{b64url(bytes(64))}"
    with pytest.raises(VerificationError):
        verify(token, TRUST, now=AT)


def test_overlong_token_is_too_large() -> None:
    with pytest.raises(VerificationError) as caught:
        split("A" * 20_000 + ".A.A")
    assert caught.value.code == "too_large"


def test_non_canonical_base64url_is_refused() -> None:
    """Padding, ``+``/``/`` and set unused bits all decode, leniently, to the same bytes."""
    head, body, sig = case("valid_bare_jws").input_path.read_text("utf-8").strip().split(".")
    for spelling in (
        f"{sig}==",
        sig.replace("-", "+").replace("_", "/"),
        f"{sig[:10]}\n{sig[10:]}",
    ):
        if spelling == sig:
            continue
        with pytest.raises(VerificationError) as caught:
            verify(f"{head}.{body}.{spelling}", TRUST, now=AT)
        assert caught.value.code in {"bad_encoding", "malformed"}


def test_verify_accepts_bytes() -> None:
    assert verify(VALID_TEXT.encode(), TRUST, now=AT).kid.startswith(
        split(cbqr.extract_jws(VALID_TEXT)).header["kid"]
    )


_PNG = case("valid_png").input_path.read_bytes()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(_PNG) - 1), st.integers(0, 255)), max_size=8),
    st.integers(8, len(_PNG)),
)
def test_damaged_png_never_escapes(changes: list[tuple[int, int]], cut: int) -> None:
    """A damaged QR image ends in a VerificationError (or still reads), never anything else."""
    data = bytearray(_PNG)
    for position, value in changes:
        data[position] = value
    try:
        text = read_qr_image(bytes(data[:cut]))
    except VerificationError:
        return
    _only_verification_errors(text)
