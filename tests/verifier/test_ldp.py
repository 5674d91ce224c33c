"""Data Integrity OB 3.0 / CLR 2.0: the trust rules, and keys kept to their purpose.

Hand-built bundles (tests/verifier/vc_fixtures.py) with an Ed25519 proof key beside the
ES256 signing key; the badges are signed for real (eddsa-rdfc-2022 over the bundled
contexts).
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from keys import Signer, public_jwk
from tests.verifier import vc_fixtures as fx
from tests.verifier.test_ob3 import badge
from verifier import (
    MalformedTrustBundle,
    TrustBundle,
    VerificationError,
    verify_clr_ldp,
    verify_ob3,
    verify_ob3_ldp,
)
from verifier.formats import bitstring_status, data_integrity, vc_jwt
from verifier.formats.status_list import REVOKED, SUSPENDED

_PRIVATE = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PROOF = Signer(_PRIVATE, "EdDSA", public_jwk(_PRIVATE.public_key(), "EdDSA")["kid"])
METHOD = f"{fx.BASE}/issuer/keys/{PROOF.kid}#multikey"


def _proof_entry(**extra: Any) -> dict[str, Any]:
    return {
        **public_jwk(_PRIVATE.public_key(), "EdDSA"),
        "status": "active",
        "purpose": "proof",
        "verification_method": METHOD,
        "controller": fx.BASE,
        **extra,
    }


def _trust(statuses: dict[int, int] | None = None, **extra: Any) -> TrustBundle:
    document = fx.bundle_document(statuses)
    document["issuers"][0]["keys"].append(_proof_entry(**extra))
    return TrustBundle(document)


def _badge(**extra: Any) -> dict[str, Any]:
    entries = bitstring_status.purpose_entries(f"{fx.BASE}/status-lists/{fx.LIST_ID}", 5)
    document = badge(credentialStatus=entries, **extra)
    return data_integrity.sign(document, PROOF, METHOD)


def _code(credential: dict[str, Any], trust: TrustBundle) -> str:
    with pytest.raises(VerificationError) as caught:
        verify_ob3_ldp(credential, trust, now=fx.NOW)
    return caught.value.code


def test_valid_badge_and_its_status() -> None:
    credential = _badge()
    result = verify_ob3_ldp(credential, _trust(), now=fx.NOW).to_json()
    assert result["valid"] and result["format"] == "ob3+ldp" and result["kid"] == PROOF.kid
    assert _code(credential, _trust({5: REVOKED})) == "revoked"
    assert _code(credential, _trust({5: SUSPENDED})) == "suspended"


def test_key_states_and_dates_follow_the_shared_rules() -> None:
    credential = _badge()
    since = (fx.NOW - timedelta(days=60)).isoformat()
    assert _code(credential, _trust(status="compromised", compromised_since=since)) == (
        "key_compromised"
    )
    retired = (fx.NOW - timedelta(days=40)).isoformat()
    assert _code(credential, _trust(status="retired", retired_at=retired)) == "key_retired"
    late = _badge(validUntil=vc_jwt.iso(fx.NBF + 60))
    assert _code(late, _trust()) == "expired"
    early = _badge(validFrom=vc_jwt.iso(int(fx.NOW.timestamp()) + 3600))
    assert _code(early, _trust()) == "not_yet_valid"


def test_the_issuer_must_control_the_key() -> None:
    assert _code(_badge(), _trust(controller="https://elsewhere.example")) == "unknown_issuer"


def test_a_proof_key_never_verifies_a_jwt() -> None:
    # Signed by the proof key with its kid: the JOSE path does not know that key at all.
    token = vc_jwt.encode(badge(), PROOF)
    with pytest.raises(VerificationError) as caught:
        verify_ob3(token, _trust(), now=fx.NOW)
    assert caught.value.code == "unknown_key"


def test_a_proof_key_without_its_method_or_controller_is_a_bad_bundle() -> None:
    for member in ("verification_method", "controller"):
        document = fx.bundle_document()
        entry = _proof_entry()
        del entry[member]
        document["issuers"][0]["keys"].append(entry)
        with pytest.raises(MalformedTrustBundle):
            TrustBundle(document)


def test_a_signing_key_never_verifies_a_proof() -> None:
    document = fx.bundle_document()
    # The ES256 signing key's JWK under the proof method is refused outright.
    document["issuers"][0]["keys"].append(
        {
            **document["issuers"][0]["keys"][0],
            "purpose": "proof",
            "verification_method": METHOD,
            "controller": fx.BASE,
        }
    )
    with pytest.raises(MalformedTrustBundle):
        TrustBundle(document)


def test_a_badge_is_not_a_transcript_and_a_transcript_holds_badges() -> None:
    credential = _badge()
    with pytest.raises(VerificationError) as caught:
        verify_clr_ldp(credential, _trust(), now=fx.NOW)
    assert caught.value.code == "malformed"
    transcript = copy.deepcopy(badge())
    transcript["@context"] = [vc_jwt.VC_CONTEXT, vc_jwt.CLR_CONTEXT, vc_jwt.OB_CONTEXT]
    transcript["type"] = ["VerifiableCredential", "ClrCredential"]
    transcript["credentialSubject"] = {"type": ["ClrSubject"], "verifiableCredential": [credential]}
    transcript["credentialStatus"] = credential["credentialStatus"]
    signed = data_integrity.sign(transcript, PROOF, METHOD)
    assert verify_clr_ldp(signed, _trust(), now=fx.NOW).format == "clr+ldp"
    assert _code_clr(signed, _trust({5: REVOKED})) == "revoked"


def _code_clr(credential: dict[str, Any], trust: TrustBundle) -> str:
    with pytest.raises(VerificationError) as caught:
        verify_clr_ldp(credential, trust, now=fx.NOW)
    return caught.value.code


@pytest.mark.parametrize(
    ("text", "code"),
    [("{", "malformed"), ("[]", "malformed"), ("{}", "malformed"), ("x" * (1 << 21), "too_large")],
)
def test_unreadable_text(text: str, code: str) -> None:
    with pytest.raises(VerificationError) as caught:
        verify_ob3_ldp(text, _trust(), now=fx.NOW)
    assert caught.value.code == code
