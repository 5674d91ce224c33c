"""The holder's ES256 key as a private JWK: create, load, sign KB-JWTs with it.

Why hand-written (reading the JWK members): keys are loaded with cryptography, as in the
keys package (docs/architecture.md); the KB-JWTs themselves are built by PyJWS.

A wallet keeps this JWK (demo: ``holder.jwk``); the SD-JWT VC carries the public part
in ``cnf.jwk``. Only ES256 (P-256) holder keys are used.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from keys import InvalidKey, Signer, b64url, b64url_decode, public_jwk, thumbprint

__all__ = ["holder_public_jwk", "holder_signer", "new_holder_jwk"]


def new_holder_jwk() -> dict[str, Any]:
    """A fresh ES256 private JWK (with ``d``): keep it secret."""
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = public_jwk(private.public_key(), "ES256")
    jwk["d"] = b64url(private.private_numbers().private_value.to_bytes(32, "big"))
    return jwk


def holder_public_jwk(jwk: dict[str, Any]) -> dict[str, Any]:
    """The public members of a holder JWK (what goes into ``cnf.jwk``)."""
    return {k: jwk[k] for k in ("kty", "crv", "x", "y") if k in jwk}


def holder_signer(jwk: dict[str, Any]) -> Signer:
    """A signer for the private ES256 JWK ``jwk``."""
    try:
        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
            raise InvalidKey("the holder key must be an EC P-256 JWK")
        public = ec.EllipticCurvePublicNumbers(
            int.from_bytes(b64url_decode(jwk["x"]), "big"),
            int.from_bytes(b64url_decode(jwk["y"]), "big"),
            ec.SECP256R1(),
        )
        private = ec.EllipticCurvePrivateNumbers(
            int.from_bytes(b64url_decode(jwk["d"]), "big"), public
        ).private_key()
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidKey(f"malformed holder JWK: {exc}") from None
    return Signer(private, "ES256", thumbprint(holder_public_jwk(jwk)))
