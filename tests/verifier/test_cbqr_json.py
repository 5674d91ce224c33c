"""The cbqr claims JSON written field by field equals what the JSON encoder writes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.formats import cbqr

_text = st.text(max_size=12)  # quotes, backslashes, control and non-BMP characters included
_entries = st.builds(
    cbqr.CreditEntry,
    title=_text,
    domain=_text,
    kind=_text,
    half_credits=st.integers(0, 10_000),
    hours=st.one_of(st.none(), st.integers(0, 100_000)),
    standard=_text,
    institution=_text,
    date=st.dates(),  # years 1 to 9999: isoformat pads them to four digits
)
_credentials = st.builds(
    cbqr.QRCredential,
    issuer=_text,
    jti=_text,
    nbf=st.integers(0, cbqr.MAX_NUMERIC_DATE),
    exp=st.one_of(st.none(), st.integers(0, cbqr.MAX_NUMERIC_DATE)),
    name=_text,
    masked_id=_text,
    entries=st.lists(_entries, min_size=1, max_size=3).map(tuple),
    status_list=_text,
    status_index=st.integers(0, 2**31),
)


@settings(max_examples=200, deadline=None)
@given(_credentials)
def test_claims_json_is_the_minified_encoding(cred: cbqr.QRCredential) -> None:
    written = cbqr.claims_json(cred)
    assert written == cbqr._MINIFIED.encode(cbqr.to_claims(cred))
    assert cbqr.from_claims(cbqr._DECODER.decode(written)) == cred
