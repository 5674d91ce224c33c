"""Offline verification of OB 3.0 and CLR 2.0 credentials secured with Data Integrity proofs.

The proof (``eddsa-rdfc-2022``, :mod:`verifier.formats.data_integrity`) is checked with the
trust bundle's proof key its ``verificationMethod`` names, over the bundled contexts only;
then the same rules as every other form (:mod:`verifier.rules`): the key's state, the
validity dates and the status — the 1-bit ``revocation`` / ``suspension`` entries or the
2-bit ``message`` entry of older credentials, read from the bundle's snapshot.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from verifier._errors import MalformedCredential, TooLarge, UnknownIssuer, UnknownKey
from verifier._trust import TrustBundle
from verifier._verify_vc import VerifiedVC, verify_ob3
from verifier.formats import data_integrity, vc_jwt
from verifier.formats.bitstring_status import entry_slots
from verifier.rules import (
    DEFAULT_LEEWAY,
    check_dates,
    check_key_state,
    check_status,
    list_id_from_uri,
)

__all__ = ["parse_secured", "verify_clr_ldp", "verify_ob3_ldp"]


def parse_secured(secured: str | dict[str, Any]) -> dict[str, Any]:
    """The credential of ``secured`` (JSON text or an object), bounded in size."""
    if isinstance(secured, dict):
        return secured
    if len(secured) > vc_jwt.MAX_LENGTH:
        raise TooLarge("the credential is larger than a credential may be")
    try:
        document = json.loads(secured)
    except (ValueError, RecursionError):
        raise MalformedCredential("the credential is not JSON") from None
    if not isinstance(document, dict):
        raise MalformedCredential("the credential is not a JSON object")
    return document


def _timestamp(value: Any, what: str) -> int:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise MalformedCredential(f"{what} is not a date-time") from None
    if moment.tzinfo is None:
        raise MalformedCredential(f"{what} lacks a time zone")
    return int(moment.timestamp())


def _verify(
    secured: str | dict[str, Any],
    trust: TrustBundle,
    types: tuple[str, ...],
    moment: datetime,
    leeway: int,
) -> VerifiedVC:
    credential = parse_secured(secured)
    kinds = credential.get("type")
    if not isinstance(kinds, list) or not all(t in kinds for t in types):
        raise MalformedCredential(f"the credential is not of type {list(types)}")
    proof = data_integrity.the_proof(credential)
    key = trust.proof_key(proof["verificationMethod"])
    if key is None:
        raise UnknownKey("no trusted key has this verificationMethod")
    issuer = trust.issuers.get(key.issuer)
    if issuer is None:
        raise UnknownIssuer(f"issuer {key.issuer!r} is not in the trust bundle")
    issuer_field = credential.get("issuer")
    issuer_id = issuer_field.get("id") if isinstance(issuer_field, dict) else issuer_field
    if issuer_id != key.controller:
        raise UnknownIssuer("the credential's issuer does not control the proof's key")
    # The bundle admits only EdDSA proof keys (verifier/_trust.py).
    assert isinstance(key.public, ed25519.Ed25519PublicKey)
    data_integrity.verify(credential, key.public)
    nbf = _timestamp(credential.get("validFrom"), "validFrom")
    exp = credential.get("validUntil")
    check_key_state(key, nbf)
    check_dates(nbf, None if exp is None else _timestamp(exp, "validUntil"), moment, leeway)
    for uri, index in dict.fromkeys(entry_slots(credential)):
        check_status(trust, key.issuer, list_id_from_uri(uri), index)
    fmt = "clr+ldp" if "ClrCredential" in kinds else "ob3+ldp"
    return VerifiedVC(fmt, credential, issuer, key.kid, int(trust.age(moment).total_seconds()))


def verify_ob3_ldp(
    secured: str | dict[str, Any],
    trust: TrustBundle,
    *,
    now: datetime | None = None,
    leeway: int = DEFAULT_LEEWAY,
    max_bundle_age: timedelta | None = None,
) -> VerifiedVC:
    """Verify an OB 3.0 AchievementCredential with a Data Integrity proof, offline.

    Raises a :class:`VerificationError` subclass: ``bad_signature`` for any change to a
    signed value, ``unknown_key`` for a method the bundle does not trust, and the codes of
    the shared rules (key state, dates, ``revoked``, ``suspended``).
    """
    moment = now or datetime.now(UTC)
    trust.check_fresh(max_bundle_age, moment)
    return _verify(secured, trust, vc_jwt.OB3_TYPES, moment, leeway)


def verify_clr_ldp(
    secured: str | dict[str, Any],
    trust: TrustBundle,
    *,
    now: datetime | None = None,
    leeway: int = DEFAULT_LEEWAY,
    max_bundle_age: timedelta | None = None,
) -> VerifiedVC:
    """Verify a CLR 2.0 ClrCredential with a Data Integrity proof and every badge it holds."""
    moment = now or datetime.now(UTC)
    trust.check_fresh(max_bundle_age, moment)
    result = _verify(secured, trust, vc_jwt.CLR_TYPES, moment, leeway)
    held = result.credential["credentialSubject"].get("verifiableCredential")
    if not isinstance(held, list) or not held:
        raise MalformedCredential("a ClrSubject holds at least one verifiableCredential")
    for item in held:
        if not isinstance(item, dict):
            raise MalformedCredential("CLR entries must be credentials")
        if item.get("type") == "EnvelopedVerifiableCredential":
            inner = str(item.get("id", ""))
            if not inner.startswith(vc_jwt.ENVELOPED_PREFIX):
                raise MalformedCredential("an enveloped credential is not a data: URL of a VC JWT")
            verify_ob3(inner[len(vc_jwt.ENVELOPED_PREFIX) :], trust, now=moment, leeway=leeway)
        else:
            _verify(item, trust, vc_jwt.OB3_TYPES, moment, leeway)
    return result
