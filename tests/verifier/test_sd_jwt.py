"""SD-JWT VC: issuance, selective disclosure, key binding and one test per error code."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keys import b64url
from tests.verifier import vc_fixtures as fx
from verifier import ERRORS_BY_CODE, VerificationError, verify_sd_jwt_presentation
from verifier.formats import sd_jwt
from verifier.formats.status_list import REVOKED, SUSPENDED

#: Codes this file triggers (tests/verifier/test_vectors.py counts them as covered).
SD_JWT_CODES = {
    "unknown_disclosure",
    "holder_binding_failed",
    "wrong_audience",
    "wrong_nonce",
    "stale_presentation",
}


def _issued(**extra: object) -> str:
    return sd_jwt.issue(fx.sd_claims(**extra), fx.ISSUER)


def _verify(presentation: str, statuses: dict[int, int] | None = None, **kw: object) -> dict:
    options: dict = {"audience": fx.AUD, "nonce": fx.NONCE, "now": fx.NOW, **kw}
    result = verify_sd_jwt_presentation(presentation, fx.trust(statuses), **options)
    return result.to_json()["disclosed"]


def _code(presentation: str, statuses: dict[int, int] | None = None, **kw: object) -> str:
    with pytest.raises(VerificationError) as caught:
        _verify(presentation, statuses, **kw)
    return caught.value.code


def test_only_chosen_claims_are_disclosed() -> None:
    disclosed = _verify(fx.present(_issued()))
    assert disclosed["name"] == "张三" and disclosed["credits"] == 4
    assert disclosed["entries"] == []
    assert "masked_id" not in disclosed
    assert disclosed["vct"] == sd_jwt.VCT and disclosed["iss"] == fx.BASE


def test_nested_paths_disclose_their_enclosing_elements() -> None:
    disclosed = _verify(fx.present(_issued(), ("entries.hours",)))
    assert disclosed["entries"] == [
        {"title": "数控加工技术", "credits": 3, "hours": 48},
        {"title": "工业机器人编程", "credits": 1, "hours": 16},
    ]
    everything = _verify(fx.present(_issued(), ("entries",)))
    assert everything["entries"][0]["grade"] == "优秀"


def test_issued_jwt_holds_only_digests() -> None:
    issued = _issued()
    assert issued.endswith("~") and issued.count("~") == 9  # 8 disclosures
    jwt = sd_jwt.parse(issued).jwt
    assert "张三".encode() not in sd_jwt.jws.split(jwt).payload
    assert sd_jwt.jws.split(jwt).header["typ"] == "dc+sd-jwt"


@pytest.mark.parametrize("name", sorted(sd_jwt.NEVER_DISCLOSABLE - {"_sd_alg"}))
def test_protected_claims_are_never_disclosable(name: str) -> None:
    claims = fx.sd_claims()
    claims[name] = sd_jwt.Disclosable(claims.get(name, 1))
    with pytest.raises(ValueError, match="never selectively disclosable"):
        sd_jwt.issue(claims, fx.ISSUER)


def test_unknown_disclosure() -> None:
    presentation = fx.present(_issued())
    jwt, rest = presentation.split("~", 1)
    forged = sd_jwt.make_disclosure("masked_id", "4101**********9999").encoded
    assert _code(f"{jwt}~{forged}~{rest}") == "unknown_disclosure"


def test_missing_key_binding_jwt() -> None:
    parsed = sd_jwt.parse(fx.present(_issued()))
    assert _code(parsed.presented) == "holder_binding_failed"


def test_key_binding_signed_by_another_key() -> None:
    assert _code(fx.present(_issued(), holder=fx.OTHER_HOLDER)) == "holder_binding_failed"


def test_dropping_a_disclosure_after_binding_breaks_sd_hash() -> None:
    parsed = sd_jwt.parse(fx.present(_issued()))
    shortened = sd_jwt.SDJWT(parsed.jwt, parsed.disclosures[:-1], None).presented
    assert _code(shortened + (parsed.kb_jwt or "")) == "holder_binding_failed"


def test_key_binding_jwt_with_wrong_typ() -> None:
    parsed = sd_jwt.parse(fx.present(_issued()))
    _, body, _ = (parsed.kb_jwt or "").split(".")
    head = b64url(json.dumps({"alg": "ES256", "typ": "JWT"}).encode())
    signature = b64url(fx.HOLDER.sign(f"{head}.{body}".encode()))
    assert _code(f"{parsed.presented}{head}.{body}.{signature}") == "holder_binding_failed"


def test_presentation_to_another_audience() -> None:
    presentation = fx.present(_issued(), aud="https://other.example.org")
    assert _code(presentation) == "wrong_audience"


def test_presentation_with_another_nonce() -> None:
    assert _code(fx.present(_issued(), nonce="old-nonce")) == "wrong_nonce"


@pytest.mark.parametrize("shift", [timedelta(minutes=-10), timedelta(minutes=5)])
def test_stale_or_future_presentation(shift: timedelta) -> None:
    assert _code(fx.present(_issued(), iat=fx.NOW + shift)) == "stale_presentation"


def test_revoked_and_suspended_from_the_bundle() -> None:
    presentation = fx.present(_issued())
    assert _code(presentation, {7: REVOKED}) == "revoked"
    assert _code(presentation, {7: SUSPENDED}) == "suspended"
    assert _verify(presentation, {8: REVOKED})["name"] == "张三"


def test_status_index_out_of_range() -> None:
    """One code for every format: an index outside the list is ``malformed``, as for cbqr."""
    presentation = fx.present(_issued(index=fx.LIST_SIZE))
    assert _code(presentation) == "malformed"


def test_status_list_missing_from_bundle() -> None:
    status = {"status_list": {"idx": 1, "uri": f"{fx.BASE}/status-lists/99"}}
    assert _code(fx.present(_issued(status=status))) == "status_unavailable"


def test_unknown_issuer_key_and_tampering() -> None:
    foreign = fx.present(sd_jwt.issue(fx.sd_claims(), fx.STRANGER))
    assert _code(foreign) == "unknown_key"
    parsed = sd_jwt.parse(fx.present(_issued()))
    head, _body, sig = parsed.jwt.split(".")
    other_body = sd_jwt.parse(_issued(index=8)).jwt.split(".")[1]
    tampered = sd_jwt.SDJWT(f"{head}.{other_body}.{sig}", parsed.disclosures, parsed.kb_jwt)
    assert _code(tampered.presented + (tampered.kb_jwt or "")) == "bad_signature"


def test_expired_and_not_yet_valid() -> None:
    expired = fx.present(_issued(exp=int((fx.NOW - timedelta(days=1)).timestamp())))
    assert _code(expired) == "expired"
    future = int((fx.NOW + timedelta(days=1)).timestamp())
    assert _code(fx.present(_issued(nbf=future))) == "not_yet_valid"


def test_malformed_inputs() -> None:
    assert _code("not-an-sd-jwt") == "malformed"
    assert _code(fx.present(_issued(vct="urn:other"))) == "malformed"
    assert _code(fx.present(_issued(exp="2020-01-01"))) == "malformed"
    issued = _issued()
    parsed = sd_jwt.parse(issued)
    doubled = sd_jwt.SDJWT(parsed.jwt, parsed.disclosures + parsed.disclosures[:1], None)
    assert _code(doubled.presented) == "malformed"
    assert _code(parsed.jwt + "~!!~") == "bad_encoding"


def test_new_codes_are_registered() -> None:
    assert set(ERRORS_BY_CODE) >= SD_JWT_CODES
    assert ERRORS_BY_CODE["wrong_audience"].__mro__[1].code == "replayed_presentation"


_names = st.sampled_from(["a", "b", "c", "d", "e"])
_values = st.one_of(st.integers(-5, 5), st.text(max_size=5), st.booleans())


@settings(max_examples=40, deadline=None)
@given(
    claims=st.dictionaries(_names, st.tuples(st.booleans(), _values), min_size=1),
    chosen=st.sets(_names),
)
def test_round_trip_discloses_exactly_the_chosen_claims(
    claims: dict[str, tuple[bool, object]], chosen: set[str]
) -> None:
    body = fx.sd_claims()
    body.update({k: sd_jwt.Disclosable(v) if sd else v for k, (sd, v) in claims.items()})
    disclosed = _verify(fx.present(sd_jwt.issue(body, fx.ISSUER), tuple(chosen)))
    for name, (sd, value) in claims.items():
        if sd and name not in chosen:
            assert name not in disclosed
        else:
            assert disclosed[name] == value


def test_holder_key_helpers() -> None:
    from keys import InvalidKey
    from verifier.formats.holder_key import holder_public_jwk, holder_signer, new_holder_jwk

    fresh = new_holder_jwk()
    assert set(holder_public_jwk(fresh)) == {"kty", "crv", "x", "y"} and "d" in fresh
    assert holder_signer(fresh).alg == "ES256"
    for bad in ({"kty": "OKP", "crv": "Ed25519", "x": "AA"}, {**fresh, "d": None}):
        with pytest.raises(InvalidKey):
            holder_signer(bad)


@pytest.mark.parametrize(
    "cnf",
    [
        {"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}},
        {"jwk": {"kty": "EC", "crv": "P-256", "x": ["A"], "y": "AA"}},
        {"kid": "no-jwk"},
    ],
)
def test_unusable_holder_key_in_cnf(cnf: dict[str, object]) -> None:
    assert _code(fx.present(_issued(cnf=cnf))) == "holder_binding_failed"


_leaves = st.one_of(st.integers(-3, 3), st.text(max_size=3), st.none())
_nested = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(st.tuples(st.booleans(), inner), max_size=3).map(
            lambda items: [sd_jwt.Disclosable(v) if sd else v for sd, v in items]
        ),
        st.dictionaries(_names, st.tuples(st.booleans(), inner), max_size=3).map(
            lambda items: {k: sd_jwt.Disclosable(v) if sd else v for k, (sd, v) in items.items()}
        ),
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(tree=_nested, keep=st.lists(st.booleans(), max_size=12), stray=st.booleans())
def test_the_verifiers_walk_agrees_with_resolve(
    tree: object, keep: list[bool], stray: bool
) -> None:
    """disclosed_claims (no paths) gives what resolve gives, and fails where it fails."""
    issued = sd_jwt.parse(sd_jwt.issue({**fx.sd_claims(), "tree": tree}, fx.ISSUER))
    payload = json.loads(sd_jwt.jws.split(issued.jwt).payload)
    chosen = [d for i, d in enumerate(issued.disclosures) if i >= len(keep) or keep[i]]
    if stray:  # a disclosure the token does not hold
        chosen.append(sd_jwt.make_disclosure("a", 1).encoded)
    disclosures = sd_jwt.decode_disclosures(chosen)
    try:
        expected = sd_jwt.resolve(payload, disclosures).claims
    except VerificationError as exc:
        with pytest.raises(type(exc)):
            sd_jwt.disclosed_claims(payload, disclosures)
        return
    assert sd_jwt.disclosed_claims(payload, disclosures) == expected


_json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=6)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=80, deadline=None)
@given(name=st.one_of(st.none(), st.text(max_size=6)), value=_json_values, salt=st.text(min_size=1))
def test_disclosures_are_the_minified_json_array(
    name: str | None, value: object, salt: str
) -> None:
    """The hand-written disclosure JSON is byte for byte what the JSON encoder writes."""
    encoded = sd_jwt.make_disclosure(name, value, salt).encoded
    items = [salt, value] if name is None else [salt, name, value]
    assert encoded == b64url(sd_jwt._MINIFIED.encode(items).encode("utf-8"))
