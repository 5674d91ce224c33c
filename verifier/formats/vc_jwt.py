"""Open Badges 3.0 / CLR 2.0 credentials secured as JWTs (OB 3.0 §8.2): encode and decode.

Header ``{"alg", "kid", "typ": "JWT"}`` and nothing else (§8.2.3: "Additional JOSE Headers
are NOT allowed"; ``kid`` a URL that dereferences to the JWK, so no ``jwk``); the payload
is the VCDM 2.0 credential itself plus the registered claims ``iss`` (issuer.id), ``jti``
(id), ``nbf`` (validFrom), ``sub`` (credentialSubject.id) and ``exp`` (validUntil, when
set), which the decoder checks against the credential (§8.2.6). The credential's
terms are defined by the contexts in :data:`OB3_CONTEXT` / :data:`CLR_CONTEXT` and our
own :data:`CREDITBANK_CONTEXT` (docs/formats.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from verifier._errors import MalformedCredential
from verifier.formats import jws, limits
from verifier.formats.jws import SignerLike

TYP = limits.VC_JWT_TYP
VC_CONTEXT = limits.VC_CONTEXT
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
#: Path of our own context on the issuer service (its terms: docs/formats.md).
CREDITBANK_CONTEXT_PATH = "/contexts/creditbank-v1.jsonld"
OB3_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
CLR_TYPES = ("VerifiableCredential", "ClrCredential")
#: Media type of an OB JWT enveloped in a CLR (``data:`` URL of an EnvelopedVerifiableCredential).
ENVELOPED_PREFIX = limits.VC_ENVELOPED_PREFIX
#: Longest JWT accepted (a CLR envelopes one JWT per achievement).
MAX_LENGTH = limits.VC_JWT_MAX_LENGTH
_MINIFIED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def iso(ts: int) -> str:
    """Seconds since the epoch as an XML Schema dateTime in UTC."""
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def encode(credential: dict[str, Any], signer: SignerLike, *, kid: str | None = None) -> str:
    """The credential signed as a JWT; the registered claims are derived from it.

    ``kid`` is the header's key id: the URL that returns the signer's public JWK (OB 3.0
    §8.2); without it the signer's bare thumbprint, the form of earlier credentials.
    """
    claims = dict(credential)
    claims["iss"] = credential["issuer"]["id"]
    claims["jti"] = credential["id"]
    claims["nbf"] = _timestamp(credential["validFrom"])
    subject_id = credential["credentialSubject"].get("id")
    if subject_id is not None:
        claims["sub"] = subject_id
    if "validUntil" in credential:
        claims["exp"] = _timestamp(credential["validUntil"])
    payload = _MINIFIED.encode(claims).encode("utf-8")
    return jws.sign(payload, signer, {"kid": kid or signer.kid, "typ": TYP})


def _timestamp(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def split(token: str) -> jws.CompactJWS:
    """Parse the JWT without trusting it (typ checked, signature not yet)."""
    parsed = jws.split(token.strip(), max_length=MAX_LENGTH)
    if parsed.header.get("typ") != TYP:
        raise MalformedCredential(f"not a VC JWT (typ {parsed.header.get('typ')!r})")
    return parsed


def claims_of(parsed: jws.CompactJWS, types: tuple[str, ...]) -> dict[str, Any]:
    """The payload as a credential of ``types``, its registered claims consistent with it."""
    try:
        claims = json.loads(parsed.payload)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedCredential("the JWT payload is not JSON") from None
    if not isinstance(claims, dict):
        raise MalformedCredential("the JWT payload is not an object")
    kinds = claims.get("type")
    if not isinstance(kinds, list) or not all(t in kinds for t in types):
        raise MalformedCredential(f"the credential is not of type {list(types)}")
    try:
        issuer, subject, valid_from = (
            claims["issuer"],
            claims["credentialSubject"],
            claims["validFrom"],
        )
        if claims["iss"] != issuer["id"] or claims["jti"] != claims["id"]:
            raise MalformedCredential("iss/jti differ from issuer.id/id")
        if not isinstance(claims["nbf"], int) or claims["nbf"] != _timestamp(valid_from):
            raise MalformedCredential("nbf differs from validFrom")
        if "exp" in claims and not isinstance(claims["exp"], int):
            raise MalformedCredential("exp must be an integer")
        if "validUntil" in claims and claims.get("exp") != _timestamp(claims["validUntil"]):
            raise MalformedCredential("exp differs from validUntil")
        if not isinstance(subject, dict):
            raise MalformedCredential("credentialSubject must be an object")
        # OB 3.0 §8.2.6: sub is credentialSubject.id (a subject known only by its
        # identifier, as ours are, has neither).
        if claims.get("sub") != subject.get("id"):
            raise MalformedCredential("sub differs from credentialSubject.id")
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedCredential(f"the credential lacks or misspells a field: {exc}") from None
    return claims
