"""Key generation, public JWKs, RFC 7638 thumbprints and raw JWS signatures.

Why hand-written: the keys package depends on cryptography only (docs/architecture.md), and
PyJWT has no RFC 7638 thumbprint; tokens themselves are built and read by PyJWS.

Only ``cryptography`` is used here. Each key carries its algorithm; nothing in
this module takes an algorithm from a token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from keys._errors import InvalidKey, UnsupportedAlgorithm

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey

#: Algorithms a key may be created for. ES256 is the default everywhere.
ALGORITHMS = ("ES256", "EdDSA", "RS256")

_ECDSA = ec.ECDSA(hashes.SHA256())
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    # binascii directly: base64.urlsafe_b64encode adds two layers of calls, and this
    # runs several times for every credential issued.
    encoded = binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE)
    return encoded.rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Decode base64url with or without padding; raises ``ValueError`` on bad input."""
    raw = text.encode("ascii") if isinstance(text, str) else text
    return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))


def _int_b64(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url(value.to_bytes(size, "big"))


def generate_private_key(alg: str = "ES256") -> PrivateKey:
    """A fresh private key for ``alg`` (ES256, EdDSA or RS256)."""
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    raise UnsupportedAlgorithm(f"unsupported algorithm {alg!r}; choose one of {ALGORITHMS}")


def _required_members(public: PublicKey) -> dict[str, str]:
    """The RFC 7638 required members of a public key, by key type."""
    if isinstance(public, ec.EllipticCurvePublicKey):
        if not isinstance(public.curve, ec.SECP256R1):
            raise UnsupportedAlgorithm("only the P-256 curve is supported")
        numbers = public.public_numbers()
        return {
            "crv": "P-256",
            "kty": "EC",
            "x": _int_b64(numbers.x, 32),
            "y": _int_b64(numbers.y, 32),
        }
    if isinstance(public, ed25519.Ed25519PublicKey):
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    if isinstance(public, rsa.RSAPublicKey):
        rsa_numbers = public.public_numbers()
        return {"e": _int_b64(rsa_numbers.e), "kty": "RSA", "n": _int_b64(rsa_numbers.n)}
    raise UnsupportedAlgorithm(f"unsupported key type {type(public).__name__}")


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of a public JWK."""
    kty = jwk.get("kty")
    members = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}
    if kty not in members:
        raise InvalidKey(f"unsupported kty {kty!r}")
    try:
        required = {name: jwk[name] for name in members[kty]}
    except KeyError as exc:
        raise InvalidKey(f"JWK lacks member {exc.args[0]!r}") from None
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_jwk(public: PublicKey, alg: str) -> dict[str, Any]:
    """The public JWK of ``public`` with ``kid`` (its thumbprint), ``alg`` and ``use``."""
    if alg not in ALGORITHMS:
        raise UnsupportedAlgorithm(f"unsupported algorithm {alg!r}")
    jwk: dict[str, Any] = dict(_required_members(public))
    jwk["kid"] = thumbprint(jwk)
    jwk["alg"] = alg
    jwk["use"] = "sig"
    return jwk


def _expected_alg(public: PublicKey) -> tuple[str, ...]:
    if isinstance(public, ec.EllipticCurvePublicKey):
        return ("ES256",)
    if isinstance(public, ed25519.Ed25519PublicKey):
        return ("EdDSA",)
    return ("RS256",)


def load_public_jwk(jwk: dict[str, Any]) -> tuple[PublicKey, str]:
    """Parse a public JWK into a key object and the algorithm the JWK names.

    The JWK must name its ``alg`` and the algorithm must fit the key type: this
    is where a verifier learns which algorithm a key may be used with.
    """
    if not isinstance(jwk, dict):
        raise InvalidKey("a JWK must be a JSON object")
    if "d" in jwk:
        raise InvalidKey("refusing a JWK that holds private key material")
    alg = jwk.get("alg")
    kty = jwk.get("kty")
    try:
        public: PublicKey
        if kty == "EC" and jwk.get("crv") == "P-256":
            x = int.from_bytes(b64url_decode(jwk["x"]), "big")
            y = int.from_bytes(b64url_decode(jwk["y"]), "big")
            public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        elif kty == "OKP" and jwk.get("crv") == "Ed25519":
            public = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        elif kty == "RSA":
            n = int.from_bytes(b64url_decode(jwk["n"]), "big")
            e = int.from_bytes(b64url_decode(jwk["e"]), "big")
            public = rsa.RSAPublicNumbers(e, n).public_key()
        else:
            raise InvalidKey(f"unsupported key type {kty!r}/{jwk.get('crv')!r}")
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidKey(f"malformed JWK: {exc}") from None
    if alg not in _expected_alg(public):
        raise InvalidKey(f"JWK alg {alg!r} does not fit key type {kty!r}")
    return public, str(alg)


def signing_function(private: PrivateKey, alg: str) -> Callable[[bytes], bytes]:
    """``sign(data)`` for one key and its algorithm, bound once (see :func:`sign`)."""
    if alg == "ES256" and isinstance(private, ec.EllipticCurvePrivateKey):
        ec_sign = private.sign

        def sign_es256(data: bytes) -> bytes:
            r, s = decode_dss_signature(ec_sign(data, _ECDSA))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")

        return sign_es256

    def sign_other(data: bytes) -> bytes:
        return sign(private, alg, data)

    return sign_other


def sign(private: PrivateKey, alg: str, data: bytes) -> bytes:
    """A JWS signature (RFC 7518 format: raw r||s for ECDSA) over ``data``."""
    if alg == "ES256" and isinstance(private, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(private.sign(data, _ECDSA))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if alg == "EdDSA" and isinstance(private, ed25519.Ed25519PrivateKey):
        return private.sign(data)
    if alg == "RS256" and isinstance(private, rsa.RSAPrivateKey):
        return private.sign(data, _PKCS1, _SHA256)
    raise UnsupportedAlgorithm(f"key does not support {alg!r}")


def verify_signature(public: PublicKey, alg: str, signature: bytes, data: bytes) -> None:
    """Check a JWS signature; raises ``cryptography.exceptions.InvalidSignature``."""
    if alg == "ES256" and isinstance(public, ec.EllipticCurvePublicKey):
        if len(signature) != 64:
            raise InvalidSignature("ES256 signature must be 64 bytes")
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        public.verify(der, data, _ECDSA)
    elif alg == "EdDSA" and isinstance(public, ed25519.Ed25519PublicKey):
        public.verify(signature, data)
    elif alg == "RS256" and isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, data, _PKCS1, _SHA256)
    else:
        raise InvalidSignature(f"key does not support {alg!r}")
