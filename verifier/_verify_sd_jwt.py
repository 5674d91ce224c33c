"""Offline verification of SD-JWT VC presentations (key binding, audience, nonce, freshness)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from keys import InvalidKey, PublicKey, load_public_jwk
from verifier._errors import (
    HolderBindingFailed,
    MalformedCredential,
    StalePresentation,
    UnknownIssuer,
    WrongAudience,
    WrongNonce,
)
from verifier._trust import Issuer, TrustBundle
from verifier._verify_vc import trusted_key
from verifier.formats import jws as jose
from verifier.formats import limits, sd_jwt
from verifier.rules import (
    DEFAULT_LEEWAY,
    check_dates,
    check_key_state,
    check_status,
    list_id_from_uri,
)

__all__ = ["DEFAULT_MAX_AGE", "VerifiedPresentation", "verify_sd_jwt_presentation"]

#: How old (by its KB-JWT ``iat``) a presentation may be, in seconds.
DEFAULT_MAX_AGE = limits.SD_JWT_MAX_PRESENTATION_AGE


@dataclass(slots=True)
class VerifiedPresentation:
    """A presentation whose issuer signature, holder binding and status checked out."""

    claims: dict[str, Any]
    issuer: Issuer
    kid: str
    audience: str
    trust_bundle_age_seconds: int

    def to_json(self) -> dict[str, Any]:
        hidden = {"_sd_alg", "cnf"}
        return {
            "valid": True,
            "error": None,
            "format": "dc+sd-jwt",
            "issuer": self.issuer.to_json(),
            "kid": self.kid,
            "audience": self.audience,
            "disclosed": {k: v for k, v in self.claims.items() if k not in hidden},
            "trust_bundle_age_seconds": self.trust_bundle_age_seconds,
        }


def _holder_key(cnf: Any) -> tuple[PublicKey, str]:
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise HolderBindingFailed("the credential has no cnf.jwk holder key")
    if jwk.get("kty") == "EC" and "alg" not in jwk:
        jwk = {**jwk, "alg": "ES256"}  # RFC 7800 keys need not name their alg
    try:
        cache_key = tuple(sorted(jwk.items()))
        found = _HOLDER_KEYS.get(cache_key)
    except TypeError:  # a member that is not a string: load_public_jwk will say what
        cache_key, found = (), None
    if found is None:
        try:
            found = load_public_jwk(jwk)
        except InvalidKey as exc:
            raise HolderBindingFailed(f"the holder key is unusable: {exc}") from None
        if len(_HOLDER_KEYS) >= _MAX_CACHED_HOLDER_KEYS:
            _HOLDER_KEYS.clear()
        if cache_key:
            _HOLDER_KEYS[cache_key] = found
    return found


# Building a key object from a JWK checks the point is on the curve, which costs more
# than the signature check itself; a verifier sees the same wallets again and again.
_HOLDER_KEYS: dict[tuple[Any, ...], tuple[PublicKey, str]] = {}
_MAX_CACHED_HOLDER_KEYS = 1024


def verify_sd_jwt_presentation(
    presentation: str,
    trust: TrustBundle,
    *,
    audience: str,
    nonce: str,
    now: datetime | None = None,
    max_age: int = DEFAULT_MAX_AGE,
    leeway: int = DEFAULT_LEEWAY,
    max_bundle_age: timedelta | None = None,
) -> VerifiedPresentation:
    """Verify an SD-JWT VC presentation offline and return the disclosed claims.

    Checks, in order: the issuer's signature (key from the bundle by kid, alg from the
    key), the key's state, ``nbf``/``exp``, that every disclosure is referenced by the
    token (``unknown_disclosure``), the KB-JWT against ``cnf.jwk`` and ``sd_hash``
    (``holder_binding_failed``), its ``aud`` (``wrong_audience``), ``nonce``
    (``wrong_nonce``) and ``iat`` within ``max_age`` (``stale_presentation``), and the
    status in the bundle's snapshot.
    """
    moment = now or datetime.now(UTC)
    trust.check_fresh(max_bundle_age, moment)
    parsed = sd_jwt.parse(presentation)
    jws = jose.split(parsed.jwt, max_length=sd_jwt.MAX_LENGTH)
    if jws.header.get("typ") != sd_jwt.TYP:
        raise MalformedCredential(f"not an SD-JWT VC (typ {jws.header.get('typ')!r})")
    key = trusted_key(jws, trust)
    try:
        payload = jose.loads(jws.payload)
    except (ValueError, RecursionError):
        raise MalformedCredential("the SD-JWT payload is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("nbf"), int):
        raise MalformedCredential("the SD-JWT payload lacks nbf")
    if "exp" in payload and not isinstance(payload["exp"], int):
        raise MalformedCredential("exp must be an integer")
    if not sd_jwt.is_credit_certificate(payload) or payload.get("_sd_alg") != sd_jwt.SD_ALG:
        raise MalformedCredential("not a creditbank credit certificate (vct/_sd_alg)")
    issuer = trust.issuers.get(key.issuer)
    if issuer is None:
        raise UnknownIssuer(f"issuer {key.issuer!r} is not in the trust bundle")
    check_key_state(key, payload["nbf"])
    check_dates(payload["nbf"], payload.get("exp"), moment, leeway)
    claims = sd_jwt.disclosed_claims(payload, sd_jwt.decode_disclosures(parsed.disclosures))
    kb = sd_jwt.check_kb_jwt(parsed, *_holder_key(payload.get("cnf")))
    if kb.get("aud") != audience:
        raise WrongAudience(f"the presentation was made for {kb.get('aud')!r}")
    if kb.get("nonce") != nonce:
        raise WrongNonce("the presentation carries another nonce")
    iat = kb.get("iat")
    ts = moment.timestamp()
    if not isinstance(iat, int) or iat > ts + leeway or ts - iat > max_age + leeway:
        raise StalePresentation(f"the presentation's iat {iat!r} is not within {max_age} s")
    _check_sd_jwt_status(payload, trust, key.issuer)
    age = int(trust.age(moment).total_seconds())
    return VerifiedPresentation(claims, issuer, key.kid, audience, age)


def _check_sd_jwt_status(payload: dict[str, Any], trust: TrustBundle, issuer: str) -> None:
    try:
        ref = payload["status"]["status_list"]
        index, uri = ref["idx"], ref["uri"]
        if not isinstance(index, int) or not isinstance(uri, str):
            raise TypeError("idx must be an integer and uri a string")
    except (KeyError, TypeError) as exc:
        raise MalformedCredential(f"the SD-JWT has no usable status claim: {exc}") from None
    check_status(trust, issuer, list_id_from_uri(uri), index)
