from __future__ import annotations

from datetime import date

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


_DIGITS = st.text(alphabet="0123456789", min_size=3, max_size=3)
_REGIONS = st.text(alphabet="0123456789", min_size=6, max_size=6)
_BIRTHS = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 1))


@given(_REGIONS, _BIRTHS, _DIGITS)
def test_generated_ids_validate(region: str, born: date, serial: str) -> None:
    first17 = f"{region}{born:%Y%m%d}{serial}"
    assert parse(first17 + check_digit(first17)).masked.endswith(check_digit(first17))


@pytest.mark.parametrize(
    ("birth", "why"),
    [
        ("20261202", "future"),  # the day after "today" below
        ("18991231", "before 1900"),
        ("20250230", "not a date"),
        ("20251301", "not a date"),
    ],
)
def test_dates_of_birth_that_cannot_be_are_refused(birth: str, why: str) -> None:
    first17 = f"410105{birth}123"
    with pytest.raises(InvalidNationalId, match=why):
        parse(first17 + check_digit(first17), today=date(2026, 12, 1))
    assert parse(f"410105{20261201}123" + check_digit("41010520261201123"), today=date(2026, 12, 1))


@given(
    st.text(alphabet="0123456789", min_size=17, max_size=17),
    st.integers(0, 16),
    st.integers(1, 9),
)
def test_any_single_digit_change_is_detected(first17: str, position: int, delta: int) -> None:
    good = first17 + check_digit(first17)
    # A changed digit may also make the date of birth impossible: refused either way.
    changed = str((int(good[position]) + delta) % 10)
    bad = good[:position] + changed + good[position + 1 :]
    with pytest.raises(InvalidNationalId):
        parse(bad)
