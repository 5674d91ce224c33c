"""creditbank keys: generation, encrypted storage, JWKs, RFC 7638 thumbprints, rotation.

Depends on ``cryptography`` only. The verifier and the issuer both build on it.
"""

from keys._errors import (
    BadPassphrase,
    InvalidKey,
    KeyNotFound,
    KeysError,
    KeyStateError,
    UnsupportedAlgorithm,
)
from keys._jwk import (
    ALGORITHMS,
    PrivateKey,
    PublicKey,
    b64url,
    b64url_decode,
    generate_private_key,
    load_public_jwk,
    public_jwk,
    sign,
    thumbprint,
    verify_signature,
)
from keys._store import BADGE_ALG, CREDENTIAL_PURPOSES, PROOF_ALG, KeyRecord, KeyStore, Signer

__all__ = [
    "ALGORITHMS",
    "BADGE_ALG",
    "CREDENTIAL_PURPOSES",
    "PROOF_ALG",
    "BadPassphrase",
    "InvalidKey",
    "KeyNotFound",
    "KeyRecord",
    "KeyStateError",
    "KeyStore",
    "KeysError",
    "PrivateKey",
    "PublicKey",
    "Signer",
    "UnsupportedAlgorithm",
    "b64url",
    "b64url_decode",
    "generate_private_key",
    "load_public_jwk",
    "public_jwk",
    "sign",
    "thumbprint",
    "verify_signature",
]
