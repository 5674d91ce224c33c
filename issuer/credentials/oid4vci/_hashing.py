"""How the OpenID4VCI secrets are stored: as hashes only.

Codes, access tokens and nonces are 256-bit random values, so a plain SHA-256 cannot be
reversed. A transaction code is six digits: its hash is keyed (HMAC with the service's
``CREDITBANK_ID_HMAC_KEY``) and salted with its offer's code hash, so a stolen database
copy alone does not let anyone try the million PINs offline.
"""

from __future__ import annotations

import hashlib
import hmac

from issuer.core.settings import Settings

__all__ = ["secret_hash", "tx_code_hash", "tx_code_matches"]


def secret_hash(value: str) -> str:
    """SHA-256 (hex) of a random secret handed to a wallet."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def tx_code_hash(settings: Settings, code_hash: str, tx_code: str) -> str:
    """The keyed hash of a transaction code, salted with its offer's code hash."""
    key = settings.id_hmac_key.get_secret_value().encode("utf-8")
    message = f"oid4vci-tx-code\x00{code_hash}\x00{tx_code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def tx_code_matches(settings: Settings, code_hash: str, tx_code: str, stored: str) -> bool:
    """Constant-time comparison of a presented transaction code with the stored hash."""
    return hmac.compare_digest(tx_code_hash(settings, code_hash, tx_code), stored)
