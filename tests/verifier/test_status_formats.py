"""Bitstring Status List and Token Status List encodings, checked against the specs' examples."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.verifier import vc_fixtures as fx
from verifier import VerificationError
from verifier.formats import bitstring_status, status_list, token_status_list

#: W3C Bitstring Status List v1.0, example "BitstringStatusListCredential": 131,072 zeros.
W3C_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
#: IETF Token Status List, §4.1 examples (1-bit and 2-bit lists).
IETF_1BIT = ("eNrbuRgAAhcBXQ", [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1])
IETF_2BIT = ("eNo76fITAAPfAgc", [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3])


def test_w3c_example_decodes_to_131072_valid_entries() -> None:
    bits = bitstring_status.decode_list(W3C_EXAMPLE)
    assert len(bits) * 8 == 131_072 and not any(bits)
    assert bitstring_status.get(bits, 131_071, status_size=1) == 0


@pytest.mark.parametrize(("bits", "example"), [(1, IETF_1BIT), (2, IETF_2BIT)])
def test_ietf_examples_decode(bits: int, example: tuple[str, list[int]]) -> None:
    lst, expected = example
    decoded = token_status_list.decode_claim({"bits": bits, "lst": lst})
    assert [decoded.get(i) for i in range(len(expected))] == expected
    rebuilt = status_list.build("x", "y", len(expected), dict(enumerate(expected)), bits)
    assert rebuilt.data == decoded.data


def test_bitstring_index_zero_is_the_leftmost_bit() -> None:
    one_bit = bitstring_status.build(16, {0: 1}, status_size=1)
    assert one_bit[0] == 0x80
    two_bits = bitstring_status.build(8, {0: 1, 1: 2}, status_size=2)
    assert two_bits[0] == 0b01_10_0000


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.integers(0, 131_071), st.integers(0, 3), max_size=40))
def test_bitstring_round_trip(statuses: dict[int, int]) -> None:
    encoded = bitstring_status.encode_list(bitstring_status.build(131_072, statuses))
    bits = bitstring_status.decode_list(encoded)
    for index in [*list(statuses)[:10], 0, 131071]:
        assert bitstring_status.get(bits, index) == statuses.get(index, 0)


def test_token_round_trip_and_signature_header() -> None:
    lst = status_list.build("1", fx.ISSUER_ID, 131_072, {9: 1, 70_000: 2})
    token = token_status_list.encode(
        lst, f"{fx.BASE}/status-lists/1", fx.ISSUER, iat=1, ttl=300, exp=2
    )
    jws, payload, decoded = token_status_list.decode(token)
    assert jws.header == {"alg": "ES256", "kid": fx.ISSUER.kid, "typ": "statuslist+jwt"}
    assert payload["sub"] == f"{fx.BASE}/status-lists/1" and payload["ttl"] == 300
    assert (decoded.get(9), decoded.get(70_000), decoded.get(10)) == (1, 2, 0)
    assert decoded.size == 131_072


@pytest.mark.parametrize(
    ("claim", "code"),
    [
        ({"bits": 3, "lst": "eNrbuRgAAhcBXQ"}, "malformed"),
        ({"bits": 1, "lst": "!!"}, "bad_encoding"),
        ({"bits": 1}, "malformed"),
    ],
)
def test_bad_token_claims(claim: dict[str, object], code: str) -> None:
    with pytest.raises(VerificationError) as caught:
        token_status_list.decode_claim(claim)
    assert caught.value.code == code


def test_bad_encoded_lists() -> None:
    for bad, code in (("zabc", "bad_encoding"), ("uAAAA", "bad_encoding")):
        with pytest.raises(VerificationError) as caught:
            bitstring_status.decode_list(bad)
        assert caught.value.code == code
