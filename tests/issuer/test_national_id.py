from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuer.core.errors import InvalidNationalId
from issuer.core.national_id import check_digit, parse

# GB 11643 worked example: 11010519491231002X.
VALID = "11010519491231002X"


def test_valid_id_is_masked_and_hidden() -> None:
    nid = parse(VALID.lower())
    assert nid.masked == "1101**********002X"
    assert VALID not in repr(nid) and VALID not in str(nid)


def test_hmac_is_keyed() -> None:
    nid = parse(VALID)
    assert nid.hmac_hex(b"k1") != nid.hmac_hex(b"k2")
    assert len(nid.hmac_hex(b"k1")) == 64


@pytest.mark.parametrize(
    "raw",
    ["", "1101051949123100", "11010519491231002Y", "A1010519491231002X", "110105194912310021"],
)
def test_invalid_ids_are_refused(raw: str) -> None:
    with pytest.raises(InvalidNationalId) as info:
        parse(raw)
    assert info.value.code == "invalid_national_id"
    if raw:
        assert raw not in str(info.value)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_generated_ids_validate(first17: str) -> None:
    assert parse(first17 + check_digit(first17)).masked.endswith(check_digit(first17))


@given(
    st.text(alphabet="0123456789", min_size=17, max_size=17),
    st.integers(0, 16),
    st.integers(1, 9),
)
def test_any_single_digit_change_is_detected(first17: str, position: int, delta: int) -> None:
    good = first17 + check_digit(first17)
    changed = str((int(good[position]) + delta) % 10)
    bad = good[:position] + changed + good[position + 1 :]
    with pytest.raises(InvalidNationalId):
        parse(bad)
