"""Open Badges 3.0 and CLR 2.0 JWTs: offline verification and its failures."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.verifier import vc_fixtures as fx
from verifier import TrustBundle, VerificationError, verify_clr, verify_ob3
from verifier.formats import bitstring_status, jws, vc_jwt
from verifier.formats.status_list import REVOKED, SUSPENDED

STATUS_URL = f"{fx.BASE}/status-lists/{fx.LIST_ID}/bitstring"


def badge(index: int = 5, **extra: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [vc_jwt.VC_CONTEXT, vc_jwt.OB_CONTEXT],
        "id": "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": fx.BASE, "type": ["Profile"], "name": "测试学分银行"},
        "validFrom": vc_jwt.iso(fx.NBF),
        "name": "数控加工技术",
        "credentialSubject": {
            "id": "urn:creditbank:learner:abc",
            "type": ["AchievementSubject"],
            "creditsEarned": 3,
            "achievement": {"id": f"{fx.BASE}/achievements/1", "type": ["Achievement"]},
        },
        "credentialStatus": bitstring_status.entry(STATUS_URL, index),
    }
    document.update(extra)
    return document


def transcript(tokens: list[str]) -> dict[str, Any]:
    document = badge()
    document["type"] = ["VerifiableCredential", "ClrCredential"]
    document["credentialSubject"] = {
        "type": ["ClrSubject"],
        "verifiableCredential": [
            {"id": vc_jwt.ENVELOPED_PREFIX + t, "type": "EnvelopedVerifiableCredential"}
            for t in tokens
        ],
    }
    return document


def _code(token: str, statuses: dict[int, int] | None = None, clr: bool = False) -> str:
    check = verify_clr if clr else verify_ob3
    with pytest.raises(VerificationError) as caught:
        check(token, fx.trust(statuses), now=fx.NOW)
    return caught.value.code


def test_valid_badge_and_registered_claims() -> None:
    token = vc_jwt.encode(badge(), fx.ISSUER)
    result = verify_ob3(token, fx.trust(), now=fx.NOW).to_json()
    assert result["valid"] and result["issuer"]["id"] == fx.ISSUER_ID
    claims = result["credential"]
    assert claims["iss"] == fx.BASE and claims["jti"] == claims["id"]
    assert claims["nbf"] == fx.NBF and claims["sub"] == "urn:creditbank:learner:abc"
    assert vc_jwt.split(token).header == {"alg": "ES256", "kid": fx.ISSUER.kid, "typ": "JWT"}


def test_rs256_badge_verifies_with_an_rs256_key() -> None:
    signer = fx.rsa_signer()
    token = vc_jwt.encode(badge(), signer)
    result = verify_ob3(token, fx.trust(signers=(fx.ISSUER, signer)), now=fx.NOW)
    assert result.kid == signer.kid


def test_status_from_the_bundle() -> None:
    token = vc_jwt.encode(badge(), fx.ISSUER)
    assert _code(token, {5: REVOKED}) == "revoked"
    assert _code(token, {5: SUSPENDED}) == "suspended"
    # One code for every format: an index outside the list is malformed, as for cbqr.
    assert _code(vc_jwt.encode(badge(index=fx.LIST_SIZE), fx.ISSUER)) == "malformed"


def test_dates_and_keys() -> None:
    until = vc_jwt.iso(int((fx.NOW - timedelta(days=1)).timestamp()))
    assert _code(vc_jwt.encode(badge(validUntil=until), fx.ISSUER)) == "expired"
    assert _code(vc_jwt.encode(badge(), fx.STRANGER)) == "unknown_key"
    head, _body, sig = vc_jwt.encode(badge(), fx.ISSUER).split(".")
    other = vc_jwt.encode(badge(name="伪造"), fx.ISSUER).split(".")[1]
    assert _code(f"{head}.{other}.{sig}") == "bad_signature"


def test_wrong_type_or_inconsistent_claims_are_malformed() -> None:
    clr_token = vc_jwt.encode(transcript([vc_jwt.encode(badge(), fx.ISSUER)]), fx.ISSUER)
    assert _code(clr_token) == "malformed"  # a CLR is not a badge
    no_status = badge()
    del no_status["credentialStatus"]
    assert _code(vc_jwt.encode(no_status, fx.ISSUER)) == "malformed"
    bad_index = badge()
    bad_index["credentialStatus"]["statusListIndex"] = 5
    assert _code(vc_jwt.encode(bad_index, fx.ISSUER)) == "malformed"


def test_clr_verifies_every_enveloped_badge() -> None:
    inner = vc_jwt.encode(badge(), fx.ISSUER)
    token = vc_jwt.encode(transcript([inner, inner]), fx.ISSUER)
    assert verify_clr(token, fx.trust(), now=fx.NOW).format == "clr+jwt"
    forged_inner = vc_jwt.encode(badge(), fx.STRANGER)
    assert _code(vc_jwt.encode(transcript([inner, forged_inner]), fx.ISSUER), clr=True) == (
        "unknown_key"
    )
    assert _code(vc_jwt.encode(transcript([]), fx.ISSUER), clr=True) == "malformed"


def test_unknown_status_value_is_status_unavailable() -> None:
    token = vc_jwt.encode(badge(), fx.ISSUER)
    assert _code(token, {5: 3}) == "status_unavailable"
    assert verify_ob3(token, fx.trust({4: 3, 6: 3}), now=fx.NOW).format == "ob3+jwt"


KEY_URL = f"{fx.BASE}/issuer/keys/{fx.ISSUER.kid}"


def _trust_with_key_urls() -> TrustBundle:
    document = fx.bundle_document()
    for key in document["issuers"][0]["keys"]:
        key["id"] = f"{fx.BASE}/issuer/keys/{key['kid']}"
    return TrustBundle(document)


def test_kid_that_is_the_keys_url_is_found_offline_in_the_bundle() -> None:
    token = vc_jwt.encode(badge(), fx.ISSUER, kid=KEY_URL)
    assert vc_jwt.split(token).header["kid"] == KEY_URL
    result = verify_ob3(token, _trust_with_key_urls(), now=fx.NOW)
    assert result.kid == fx.ISSUER.kid
    # The bare thumbprint of earlier credentials still finds the same key.
    assert verify_ob3(vc_jwt.encode(badge(), fx.ISSUER), _trust_with_key_urls(), now=fx.NOW)


def test_key_url_kid_not_listed_in_the_bundle_is_unknown_key() -> None:
    """A kid URL is matched exactly, never taken apart for the thumbprint at its end."""
    token = vc_jwt.encode(badge(), fx.ISSUER, kid=KEY_URL)
    with pytest.raises(VerificationError) as caught:
        verify_ob3(token, fx.trust(), now=fx.NOW)  # a bundle without key URLs
    assert caught.value.code == "unknown_key"
    elsewhere = vc_jwt.encode(badge(), fx.ISSUER, kid=f"https://evil.example/keys/{fx.ISSUER.kid}")
    with pytest.raises(VerificationError) as caught:
        verify_ob3(elsewhere, _trust_with_key_urls(), now=fx.NOW)
    assert caught.value.code == "unknown_key"


def test_enveloped_credentials_with_and_without_context() -> None:
    inner = vc_jwt.encode(badge(), fx.ISSUER, kid=KEY_URL)
    document = transcript([inner])
    document["credentialSubject"]["verifiableCredential"][0]["@context"] = vc_jwt.VC_CONTEXT
    token = vc_jwt.encode(document, fx.ISSUER, kid=KEY_URL)
    assert verify_clr(token, _trust_with_key_urls(), now=fx.NOW).format == "clr+jwt"
    # Transcripts issued before the envelopes carried @context still verify.
    legacy = vc_jwt.encode(transcript([vc_jwt.encode(badge(), fx.ISSUER)]), fx.ISSUER)
    assert verify_clr(legacy, fx.trust(), now=fx.NOW).format == "clr+jwt"
    document["credentialSubject"]["verifiableCredential"][0]["@context"] = "https://example.org/x"
    wrong = vc_jwt.encode(document, fx.ISSUER, kid=KEY_URL)
    with pytest.raises(VerificationError) as caught:
        verify_clr(wrong, _trust_with_key_urls(), now=fx.NOW)
    assert caught.value.code == "malformed"


def test_1_bit_revocation_and_suspension_entries_read_from_the_bundle() -> None:
    entries = bitstring_status.purpose_entries(f"{fx.BASE}/status-lists/{fx.LIST_ID}", 5)
    token = vc_jwt.encode(badge(credentialStatus=entries), fx.ISSUER)
    assert verify_ob3(token, fx.trust(), now=fx.NOW).credential["credentialStatus"] == entries
    assert _code(token, {5: REVOKED}) == "revoked"
    assert _code(token, {5: SUSPENDED}) == "suspended"
    unknown = [{**entries[0], "statusPurpose": "refresh"}]
    assert _code(vc_jwt.encode(badge(credentialStatus=unknown), fx.ISSUER)) == "malformed"
    assert _code(vc_jwt.encode(badge(credentialStatus=[]), fx.ISSUER)) == "malformed"


def _signed_claims(claims: dict[str, Any]) -> str:
    payload = json.dumps(claims, separators=(",", ":")).encode("utf-8")
    return jws.sign(payload, fx.ISSUER, {"kid": fx.ISSUER.kid, "typ": vc_jwt.TYP})


def test_registered_claims_that_differ_from_the_credential_are_malformed() -> None:
    """OB 3.0 §8.2.6: ``sub`` is credentialSubject.id, ``exp`` sets validUntil; a token
    whose claims say otherwise is not valid."""
    token = vc_jwt.encode(badge(validUntil=vc_jwt.iso(fx.NBF + 86_400 * 365)), fx.ISSUER)
    claims = json.loads(vc_jwt.split(token).payload)
    assert verify_ob3(token, fx.trust(), now=fx.NOW) is not None
    for forged in (
        {**claims, "sub": "urn:creditbank:learner:someone-else"},
        {key: value for key, value in claims.items() if key != "sub"},
        {**claims, "exp": claims["exp"] + 86_400},
        {key: value for key, value in claims.items() if key != "exp"},
    ):
        assert _code(_signed_claims(forged)) == "malformed"
