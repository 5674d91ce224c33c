"""The holder's ES256 key: generated on first use, kept inside the encrypted wallet file."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keys import generate_private_key, public_jwk, sign
from verifier.formats import jws

__all__ = ["HolderKey"]

_ALG = "ES256"


class HolderKey:
    """A P-256 private key that signs the wallet's key proofs and key-binding JWTs."""

    __slots__ = ("_private", "alg", "kid")

    def __init__(self, private: ec.EllipticCurvePrivateKey) -> None:
        self._private = private
        self.alg = _ALG
        #: The RFC 7638 thumbprint of the public key.
        self.kid = str(public_jwk(private.public_key(), _ALG)["kid"])

    @classmethod
    def generate(cls) -> HolderKey:
        """A fresh holder key."""
        private = generate_private_key(_ALG)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        return cls(private)

    @classmethod
    def from_pem(cls, pem: str) -> HolderKey:
        """Load the key from unencrypted PKCS#8 PEM (the wallet file is encrypted as a whole)."""
        private = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
        if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(
            private.curve, ec.SECP256R1
        ):
            raise ValueError("the holder key is not a P-256 key")
        return cls(private)

    def to_pem(self) -> str:
        """PKCS#8 PEM, for storage inside the encrypted wallet file only."""
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def sign(self, data: bytes) -> bytes:
        """A raw ES256 JWS signature over ``data`` (the signer interface of the formats)."""
        return sign(self._private, _ALG, data)

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK (kty, crv, x, y) as sent in key proofs and found in ``cnf.jwk``."""
        full = public_jwk(self._private.public_key(), _ALG)
        return {name: full[name] for name in ("kty", "crv", "x", "y")}

    def sign_jwt(self, header: dict[str, Any], payload: dict[str, Any]) -> str:
        """A compact JWS over ``payload`` with ``header`` (``alg`` set to ES256), by PyJWS."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return jws.sign(body, self, header)

    def __repr__(self) -> str:
        return "HolderKey(ES256)"
