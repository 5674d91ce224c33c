"""Status lists: IETF Token Status List bit order (LSB first), ZLIB, base64url."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keys import b64url
from verifier import MalformedTrustBundle
from verifier.formats.status_list import MIN_SIZE, REVOKED, SUSPENDED, VALID, StatusList, build

# draft-ietf-oauth-status-list §4.1, the 1-bit example: 16 statuses -> b9 a3,
# and its "lst" as the draft prints it.
SPEC_1BIT = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
SPEC_1BIT_LST = "eNrbuRgAAhcBXQ"
# The same section's 2-bit example: 12 statuses -> c9 44 f9.
SPEC_2BIT = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
SPEC_2BIT_LST = "eNo76fITAAPfAgc"


def _from_statuses(statuses: list[int], bits: int) -> StatusList:
    return build("L", "cb-test", len(statuses), dict(enumerate(statuses)), bits=bits)


def test_spec_example_one_bit_is_lsb_first() -> None:
    status_list = _from_statuses(SPEC_1BIT, bits=1)
    assert status_list.data == bytes([0xB9, 0xA3])
    assert [status_list.get(i) for i in range(16)] == SPEC_1BIT


def test_spec_example_two_bits() -> None:
    status_list = _from_statuses(SPEC_2BIT, bits=2)
    assert status_list.data == bytes([0xC9, 0x44, 0xF9])
    assert [status_list.get(i) for i in range(12)] == SPEC_2BIT


@pytest.mark.parametrize(
    ("lst", "bits", "statuses"),
    [(SPEC_1BIT_LST, 1, SPEC_1BIT), (SPEC_2BIT_LST, 2, SPEC_2BIT)],
    ids=["1-bit", "2-bit"],
)
def test_reads_the_spec_encoded_lists(lst: str, bits: int, statuses: list[int]) -> None:
    status_list = StatusList.from_json(
        {"id": "L", "issuer": "cb-test", "bits": bits, "size": len(statuses), "lst": lst}
    )
    assert [status_list.get(i) for i in range(len(statuses))] == statuses


def test_writes_the_spec_encoding() -> None:
    assert _from_statuses(SPEC_1BIT, bits=1).to_json()["lst"] == SPEC_1BIT_LST
    assert _from_statuses(SPEC_2BIT, bits=2).to_json()["lst"] == SPEC_2BIT_LST


def test_values() -> None:
    assert (VALID, REVOKED, SUSPENDED) == (0, 1, 2)


def test_default_is_two_bits_and_all_valid() -> None:
    status_list = build("L1", "cb-test", MIN_SIZE, {5: REVOKED, MIN_SIZE - 1: SUSPENDED})
    assert status_list.bits == 2 and len(status_list.data) == MIN_SIZE // 4
    assert status_list.get(0) == VALID
    assert status_list.get(5) == REVOKED
    assert status_list.get(MIN_SIZE - 1) == SUSPENDED
    assert sum(status_list.get(i) != VALID for i in range(MIN_SIZE)) == 2


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from([1, 2, 4, 8]).flatmap(
        lambda bits: st.tuples(
            st.just(bits),
            st.integers(1, 3000).flatmap(
                lambda size: st.tuples(
                    st.just(size),
                    st.dictionaries(st.integers(0, size - 1), st.integers(0, (1 << bits) - 1)),
                )
            ),
        )
    )
)
def test_round_trip(args: tuple[int, tuple[int, dict[int, int]]]) -> None:
    bits, (size, statuses) = args
    original = build("L7", "cb-test", size, statuses, bits=bits)
    again = StatusList.from_json(original.to_json())
    assert again == original
    for index in range(size):
        assert again.get(index) == statuses.get(index, VALID)


@pytest.mark.parametrize("index", [-1, 16])
def test_index_outside_the_list(index: int) -> None:
    with pytest.raises(IndexError):
        _from_statuses(SPEC_1BIT, bits=1).get(index)


@pytest.mark.parametrize(("index", "value"), [(16, 1), (-1, 1), (0, 2)])
def test_build_refuses_what_does_not_fit(index: int, value: int) -> None:
    with pytest.raises(ValueError, match="does not fit"):
        build("L", "cb-test", 16, {index: value}, bits=1)


def _entry(**changes: object) -> dict[str, object]:
    return {**_from_statuses(SPEC_1BIT, bits=1).to_json(), **changes}


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(_entry(bits=3), id="bits-3"),
        pytest.param(_entry(size=0), id="size-0"),
        pytest.param(_entry(size=17), id="shorter-than-size"),
        pytest.param(_entry(lst="!!!"), id="lst-not-base64url"),
        pytest.param(_entry(lst=b64url(b"\x00\xa3")), id="lst-not-zlib"),
        pytest.param(_entry(lst=b64url(zlib.compress(bytes(20 * 1024 * 1024)))), id="zlib-bomb"),
        pytest.param({"id": "L", "bits": 1, "size": 16}, id="no-lst"),
        pytest.param(["L"], id="not-an-object"),
    ],
)
def test_malformed_lists(entry: object) -> None:
    with pytest.raises(MalformedTrustBundle):
        StatusList.from_json(entry)
