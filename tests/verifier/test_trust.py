"""Trust-bundle edge cases and security regressions, built with the pinned test keys."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from keys import b64url, b64url_decode
from tests.vectors import generate as g
from verifier import TrustBundle, VerificationError, verify
from verifier._trust import age_in_words
from verifier.formats import cbqr, trust_bundle

ANCHOR_JWK = g.jwk_of("test-anchor-es256")
AT = g.GENERATED_AT + timedelta(hours=12)


def _bundle(document: dict[str, Any] | None = None) -> TrustBundle:
    signed = trust_bundle.sign_bundle(
        document or g.bundle_document(), g.signer("test-anchor-es256")
    )
    return TrustBundle.from_bytes(signed, ANCHOR_JWK)


TRUST = _bundle()
ES256 = g.signer("test-signing-es256")


def _code(text: str, trust: TrustBundle = TRUST, **kwargs: Any) -> str | None:
    try:
        verify(text, trust, now=kwargs.pop("now", AT), **kwargs)
    except VerificationError as error:
        return error.code
    return None


def _signed_claims(claims: Any) -> str:
    return g.raw_jws(g.cbqr_header(ES256), g.claims_payload(claims), ES256)


def _bundle_code(raw: str | bytes) -> str | None:
    try:
        TrustBundle.from_bytes(raw, ANCHOR_JWK)
    except VerificationError as error:
        return error.code
    return None


# -- the bundle ----------------------------------------------------------------------------


def test_bundle_reads_issuers_keys_and_lists() -> None:
    assert set(TRUST.issuers) == {"cb-test"}
    assert TRUST.issuers["cb-test"].institutions["INST-0001"].name_en == "Test Polytechnic"
    assert {k.status for k in TRUST.keys} == {"active", "retired", "compromised"}
    assert TRUST.keys_with_prefix(ES256.kid[:8])[0].kid == ES256.kid
    assert TRUST.keys_with_prefix("") == []
    assert TRUST.age(AT) == timedelta(hours=12)


def test_tampered_bundle_payload_is_refused() -> None:
    """Revoking a credential by editing the signed document must not go unnoticed."""
    outer = json.loads(trust_bundle.sign_bundle(g.bundle_document(), g.signer("test-anchor-es256")))
    document = json.loads(b64url_decode(outer["payload"]))
    document["issuers"][0]["id"] = "cb-forged"
    outer["payload"] = b64url(json.dumps(document).encode())
    assert _bundle_code(json.dumps(outer)) == "bad_trust_bundle_signature"


def test_bundle_header_alg_must_be_the_anchors() -> None:
    outer = json.loads(trust_bundle.sign_bundle(g.bundle_document(), g.signer("test-anchor-es256")))
    header = {"alg": "HS256", "kid": "x", "typ": trust_bundle.TYP}
    outer["protected"] = b64url(json.dumps(header).encode())
    assert _bundle_code(json.dumps(outer)) == "bad_trust_bundle_signature"


def test_bundle_signed_by_a_credential_key_is_refused() -> None:
    signed = trust_bundle.sign_bundle(g.bundle_document(), ES256)
    assert _bundle_code(signed) == "bad_trust_bundle_signature"


def test_bundle_key_with_private_material_is_refused() -> None:
    document = g.bundle_document()
    document["issuers"][0]["keys"][0]["d"] = "AAAA"
    with pytest.raises(VerificationError) as caught:
        _bundle(document)
    assert caught.value.code == "malformed_trust_bundle"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("[" * 100_000, id="deeply-nested"),
        pytest.param("[]", id="a-list"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param('{"protected": "e30", "payload": "e30", "signature": "!"}', id="bad-parts"),
        pytest.param('{"protected": "e30", "signature": "AAAA"}', id="no-payload"),
    ],
)
def test_broken_bundles(raw: str | bytes) -> None:
    assert _bundle_code(raw) == "malformed_trust_bundle"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("generated_at", "yesterday"),
        ("generated_at", "2026-01-15T00:00:00"),
        ("issuers", "cb-test"),
        ("version", 2),
        ("type", "SomethingElse"),
    ],
)
def test_bundle_document_fields(field: str, value: Any) -> None:
    document = {**g.bundle_document(), field: value}
    with pytest.raises(VerificationError) as caught:
        _bundle(document)
    assert caught.value.code == "malformed_trust_bundle"


def test_stale_only_beyond_the_limit() -> None:
    text = cbqr.encode(g.BASE_CREDENTIAL, ES256)
    assert _code(text, max_bundle_age=timedelta(hours=12)) is None
    assert _code(text, max_bundle_age=timedelta(hours=11)) == "stale_trust_bundle"


# -- credentials against the bundle --------------------------------------------------------


def test_leeway_edges() -> None:
    nbf = g.BASE_CREDENTIAL.nbf
    text = cbqr.encode(g.credential(exp=nbf + 3600), ES256)
    at_nbf = g.datetime.fromtimestamp(nbf, g.UTC)
    assert _code(text, now=at_nbf - timedelta(seconds=60)) is None
    assert _code(text, now=at_nbf - timedelta(seconds=61)) == "not_yet_valid"
    assert _code(text, now=at_nbf + timedelta(seconds=3600 + 59)) is None
    assert _code(text, now=at_nbf + timedelta(seconds=3600 + 60)) == "expired"
    assert _code(text, now=at_nbf + timedelta(seconds=3601), leeway=0) == "expired"


def test_compromise_boundary_is_inclusive() -> None:
    key = g.signer("test-compromised-es256")
    since = int(g.COMPROMISED_SINCE.timestamp())
    assert _code(cbqr.encode(g.credential(nbf=since - 1), key)) is None
    assert _code(cbqr.encode(g.credential(nbf=since), key)) == "key_compromised"


def test_issuer_must_own_the_key() -> None:
    """A key of one issuer cannot vouch for another issuer listed in the same bundle."""
    document = g.bundle_document()
    other = {"id": "cb-other", "name": {"zh": "其他", "en": "Other"}, "keys": []}
    document["issuers"].append(other)
    trust = _bundle(document)
    text = cbqr.encode(g.credential(issuer="cb-other"), ES256)
    assert _code(text, trust) == "unknown_issuer"


def test_status_index_outside_the_list() -> None:
    text = cbqr.encode(g.credential(status_index=g.STATUS_SIZE), ES256)
    assert _code(text) == "malformed"


def _claims(**changes: Any) -> dict[str, Any]:
    return {**cbqr.to_claims(g.BASE_CREDENTIAL), **changes}


def _entry(**changes: Any) -> dict[str, Any]:
    return _claims(cr=[{**cbqr.to_claims(g.BASE_CREDENTIAL)["cr"][0], **changes}])


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(_claims(nbf=10**20), id="nbf-beyond-year-9999"),
        pytest.param(_claims(nbf=-(10**12)), id="nbf-before-1970"),
        pytest.param(_claims(exp=10**20), id="exp-beyond-year-9999"),
        pytest.param(_claims(nbf=True), id="nbf-bool"),
        pytest.param(_claims(nbf=1.5e9), id="nbf-float"),
        pytest.param(_entry(c=float("nan")), id="credits-nan"),
        pytest.param(_entry(c=float("inf")), id="credits-infinity"),
        pytest.param(_entry(c=1.25), id="credits-quarter"),
        pytest.param(_entry(c=-1), id="credits-negative"),
        pytest.param(_entry(c="3"), id="credits-string"),
        pytest.param(_entry(dt="2025/12/20"), id="date-format"),
        pytest.param(_claims(cr=[]), id="no-entries"),
        pytest.param(_claims(cr=["x"]), id="entry-not-object"),
        pytest.param(_claims(st=["L1"]), id="status-without-index"),
        pytest.param(["not", "an", "object"], id="claims-a-list"),
    ],
)
def test_signed_but_malformed_claims(claims: Any) -> None:
    """Even an issuer's own key cannot make the verifier crash: every one is ``malformed``."""
    assert _code(_signed_claims(claims)) == "malformed"


def test_signed_payload_not_json() -> None:
    text = g.raw_jws(g.cbqr_header(ES256), cbqr.deflate(b"\xff not json"), ES256)
    assert _code(text) == "bad_encoding"


def test_signed_payload_deeply_nested() -> None:
    text = g.raw_jws(g.cbqr_header(ES256), cbqr.deflate(b"[" * 50_000), ES256)
    assert _code(text) == "malformed"


def test_pending_key_verifies() -> None:
    """A published, not yet active key already verifies (documented in docs/formats.md)."""
    document = g.bundle_document()
    document["issuers"][0]["keys"][0]["status"] = "pending"
    assert _code(cbqr.encode(g.BASE_CREDENTIAL, ES256), _bundle(document)) is None


def test_unknown_status_value_is_not_valid() -> None:
    """Token Status List values 3 and up are application-specific: never read as valid."""
    import datetime as dt

    from verifier import StatusUnavailable, TrustBundle
    from verifier.formats import cbqr, status_list
    from verifier.rules import check_status

    document = {
        "generated_at": "2026-11-28T00:00:00Z",
        "next_update": "2026-11-29T00:00:00Z",
        "issuers": [{"id": "CB-TEST", "name": {"zh": "测试", "en": "Test"}, "keys": []}],
        "status_lists": [status_list.build("1", "CB-TEST", 131_072, {9: 3}).to_json()],
    }
    trust = TrustBundle(document)
    entry = cbqr.CreditEntry("课程", "GE", "course", 2, 16, "GE-HOURS@1", "X", dt.date(2026, 1, 1))
    cred = cbqr.QRCredential("CB-TEST", "j", 0, None, "n", "id", (entry,), "1", 9)
    with pytest.raises(StatusUnavailable) as caught:
        check_status(trust, cred.issuer, cred.status_list, cred.status_index)
    assert caught.value.code == "status_unavailable"
    check_status(trust, cred.issuer, cred.status_list, 10)  # value 0 at 10: valid


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (5, "刚刚更新 / updated just now"),
        (60, "1 分钟前更新 / updated 1 minute ago"),
        (7_200, "2 小时前更新 / updated 2 hours ago"),
        (3 * 86_400 + 5, "3 天前更新 / updated 3 days ago"),
        (-30, "生成时间在未来 / generated in the future (check the clock)"),
    ],
)
def test_age_in_words(seconds: int, words: str) -> None:
    assert age_in_words(seconds) == words
