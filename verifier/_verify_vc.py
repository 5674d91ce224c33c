"""Offline verification of Open Badges 3.0 and CLR 2.0 JWTs against a trust bundle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from keys import ALGORITHMS
from verifier._errors import (
    MalformedCredential,
    UnknownIssuer,
    UnknownKey,
    UnsupportedAlgorithm,
)
from verifier._trust import Issuer, TrustBundle, TrustedKey
from verifier._verify import find_key
from verifier.formats import bitstring_status, vc_jwt
from verifier.formats.jws import CompactJWS
from verifier.rules import (
    DEFAULT_LEEWAY,
    check_dates,
    check_key_state,
    check_status,
    list_id_from_uri,
)

__all__ = ["VerifiedVC", "verify_clr", "verify_ob3"]


@dataclass(slots=True)
class VerifiedVC:
    """An OB 3.0 or CLR 2.0 credential whose signature, key, dates and status checked out."""

    format: str
    credential: dict[str, Any]
    issuer: Issuer
    kid: str
    trust_bundle_age_seconds: int

    def to_json(self) -> dict[str, Any]:
        cred = self.credential
        return {
            "valid": True,
            "error": None,
            "format": self.format,
            "issuer": self.issuer.to_json(),
            "jti": cred["id"],
            "kid": self.kid,
            "name": cred.get("name"),
            "valid_from": cred["validFrom"],
            "valid_until": cred.get("validUntil"),
            "credential": cred,
            "trust_bundle_age_seconds": self.trust_bundle_age_seconds,
        }


def trusted_key(jws: CompactJWS, trust: TrustBundle) -> TrustedKey:
    """The trusted key that signed ``jws``, alg from the key.

    Found by its ``kid``: the key's URL (OB 3.0 §8.2, matched against the URLs the bundle
    lists) or its full RFC 7638 thumbprint (credentials issued before kids were URLs).
    """
    alg = jws.header.get("alg")
    if alg not in ALGORITHMS:
        raise UnsupportedAlgorithm(f"algorithm {alg!r} is never accepted")
    kid = jws.header.get("kid")
    if not isinstance(kid, str):
        raise MalformedCredential("the JWT header has no kid")
    key = trust.key(kid)
    if key is None:
        raise UnknownKey("no trusted key has this kid")
    return find_key(jws, alg, [key])


def _verify(
    token: str,
    trust: TrustBundle,
    types: tuple[str, ...],
    now: datetime | None,
    leeway: int,
    max_bundle_age: timedelta | None,
) -> tuple[dict[str, Any], TrustedKey, Issuer, datetime]:
    moment = now or datetime.now(UTC)
    trust.check_fresh(max_bundle_age, moment)
    jws = vc_jwt.split(token)
    key = trusted_key(jws, trust)
    claims = vc_jwt.claims_of(jws, types)
    issuer = trust.issuers.get(key.issuer)
    if issuer is None:
        raise UnknownIssuer(f"issuer {key.issuer!r} is not in the trust bundle")
    check_key_state(key, claims["nbf"])
    check_dates(claims["nbf"], claims.get("exp"), moment, leeway)
    # The 2-bit message entry, or the 1-bit revocation and suspension entries: each slot
    # is read from the bundle's snapshot of its list.
    for uri, index in dict.fromkeys(bitstring_status.entry_slots(claims)):
        check_status(trust, key.issuer, list_id_from_uri(uri), index)
    return claims, key, issuer, moment


def verify_ob3(
    token: str,
    trust: TrustBundle,
    *,
    now: datetime | None = None,
    leeway: int = DEFAULT_LEEWAY,
    max_bundle_age: timedelta | None = None,
) -> VerifiedVC:
    """Verify an Open Badges 3.0 AchievementCredential JWT offline.

    Raises a :class:`VerificationError` subclass (signature, key state, dates, status
    from the bundle's snapshot: ``revoked``, ``suspended``, ``malformed`` for an index
    outside the list).
    """
    claims, key, issuer, moment = _verify(
        token, trust, vc_jwt.OB3_TYPES, now, leeway, max_bundle_age
    )
    age = int(trust.age(moment).total_seconds())
    return VerifiedVC("ob3+jwt", claims, issuer, key.kid, age)


def verify_clr(
    token: str,
    trust: TrustBundle,
    *,
    now: datetime | None = None,
    leeway: int = DEFAULT_LEEWAY,
    max_bundle_age: timedelta | None = None,
) -> VerifiedVC:
    """Verify a CLR 2.0 ClrCredential JWT offline, and every OB JWT it envelopes."""
    claims, key, issuer, moment = _verify(
        token, trust, vc_jwt.CLR_TYPES, now, leeway, max_bundle_age
    )
    enveloped = claims["credentialSubject"].get("verifiableCredential")
    if not isinstance(enveloped, list) or not enveloped:
        raise MalformedCredential("a ClrSubject holds at least one verifiableCredential")
    for item in enveloped:
        if not isinstance(item, dict) or item.get("type") != "EnvelopedVerifiableCredential":
            raise MalformedCredential("CLR entries must be EnvelopedVerifiableCredential")
        context = item.get("@context", vc_jwt.VC_CONTEXT)  # absent in earlier transcripts
        first = context[0] if isinstance(context, list) and context else context
        if first != vc_jwt.VC_CONTEXT:
            raise MalformedCredential("an enveloped credential's @context must be VC 2.0's")
        inner = str(item.get("id", ""))
        if not inner.startswith(vc_jwt.ENVELOPED_PREFIX):
            raise MalformedCredential("an enveloped credential is not a data: URL of a VC JWT")
        verify_ob3(inner[len(vc_jwt.ENVELOPED_PREFIX) :], trust, now=moment, leeway=leeway)
    age = int(trust.age(moment).total_seconds())
    return VerifiedVC("clr+jwt", claims, issuer, key.kid, age)
