"""Key proofs of the credential endpoint: JWTs of type ``openid4vci-proof+jwt`` (Appendix F.1).

The wallet proves it holds the key the credential will be bound to. The key travels in the
proof's ``jwk`` header; the algorithm is taken from that key (ES256 for a P-256 key, the
only kind accepted), never from ``alg``, which must merely agree. Checks, in order:
structure and ``typ`` → key → signature → ``aud`` (the credential issuer) → ``iat``
freshness → ``nonce`` present (else ``invalid_proof``) → ``nonce`` a fresh, unused
``c_nonce`` of ours (else ``invalid_nonce``, consumed on success).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from issuer.credentials.oid4vci.errors import InvalidNonce, InvalidProof
from issuer.credentials.oid4vci.metadata import PROOF_TYP
from issuer.models import utcnow
from keys import InvalidKey, load_public_jwk
from verifier import VerificationError
from verifier.formats import jws as jose

__all__ = ["MAX_PROOF_AGE", "MAX_PROOF_LENGTH", "check_proof"]

#: How old a proof's ``iat`` may be, and how far ahead of our clock it may run.
MAX_PROOF_AGE: Final = timedelta(minutes=5)
CLOCK_SKEW: Final = timedelta(seconds=60)
MAX_PROOF_LENGTH: Final = 4096
_PUBLIC_EC_MEMBERS: Final = ("kty", "crv", "x", "y")


def _holder_key(header: dict[str, Any]) -> dict[str, Any]:
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise InvalidProof("the proof header must carry the holder's public key as jwk")
    if "d" in jwk:
        raise InvalidProof("the proof's jwk holds private key material")
    if "kid" in header or "x5c" in header:
        raise InvalidProof("the proof must name its key by jwk only, not kid or x5c")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise InvalidProof("only P-256 (ES256) holder keys are accepted")
    # Keep the public members only; the algorithm follows from the key type.
    public = {name: jwk.get(name) for name in _PUBLIC_EC_MEMBERS}
    return public


def check_proof(
    proof: object,
    *,
    audience: str,
    consume_nonce: Callable[[str], bool],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Check one proof JWT and return the holder's public JWK (kty, crv, x, y).

    ``consume_nonce`` marks a ``c_nonce`` used and says whether it was fresh; it is called
    only after everything else has passed, so a bad proof does not burn the nonce.
    Raises :class:`InvalidProof` or :class:`InvalidNonce`.
    """
    if not isinstance(proof, str):
        raise InvalidProof("a jwt proof must be a string")
    try:
        jws = jose.split(proof, max_length=MAX_PROOF_LENGTH)
    except VerificationError as exc:
        raise InvalidProof(f"the proof is not a compact JWS: {exc}") from None
    if jws.header.get("typ") != PROOF_TYP:
        raise InvalidProof(f"the proof's typ must be {PROOF_TYP}")
    holder = _holder_key(jws.header)
    try:
        public, alg = load_public_jwk({**holder, "alg": "ES256"})
    except InvalidKey as exc:
        raise InvalidProof(f"the proof's jwk is not a usable key: {exc}") from None
    if jws.header.get("alg") != alg:
        raise InvalidProof(f"the proof must be signed with {alg}, the algorithm of its key")
    try:
        jose.check_signature(jws, public, alg)
    except VerificationError:
        raise InvalidProof("the proof's signature does not match its jwk") from None
    try:
        claims = json.loads(jws.payload)
    except ValueError:
        raise InvalidProof("the proof's payload is not JSON") from None
    if not isinstance(claims, dict):
        raise InvalidProof("the proof's payload is not a JSON object")
    if claims.get("aud") != audience:
        raise InvalidProof(f"the proof's aud must be the credential issuer {audience}")
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise InvalidProof("the proof needs iat, a NumericDate")
    moment = now or utcnow()
    if iat > (moment + CLOCK_SKEW).timestamp():
        raise InvalidProof("the proof's iat lies in the future")
    if iat < (moment - MAX_PROOF_AGE).timestamp():
        raise InvalidProof("the proof is too old (iat); sign a fresh one")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise InvalidProof("the proof must carry a c_nonce from the nonce endpoint")
    if not consume_nonce(nonce):
        raise InvalidNonce("the proof's nonce is unknown, used or expired; fetch a new c_nonce")
    return holder
