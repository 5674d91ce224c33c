"""TOTP second factor of staff (RFC 6238 through pyotp) and its secret sealed at rest.

The base32 secret is stored sealed with AES-256-GCM under a key derived (HKDF-SHA256)
from ``CREDITBANK_SESSION_KEY``, with the staff login as associated data, so a sealed
secret copied onto another account does not open. A code is accepted within one 30 s
step either side (``valid_window=1``) and only for a step later than the last accepted
one, so a code seen over someone's shoulder cannot be used a second time.
"""

from __future__ import annotations

import base64
import os
from datetime import datetime

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from issuer.core.errors import TotpInvalid
from issuer.core.settings import Settings

__all__ = ["ISSUER_LABEL", "accept_code", "new_secret", "provisioning_uri", "seal", "unseal"]

#: How authenticator apps label the account.
ISSUER_LABEL = "creditbank"
_SEALED_PREFIX = "v1:"
_NONCE_BYTES = 12


def _key(settings: Settings) -> AESGCM:
    secret = settings.session_key.get_secret_value().encode("utf-8")
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"creditbank staff totp v1"
    ).derive(secret)
    return AESGCM(derived)


def new_secret() -> str:
    """A fresh random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def seal(settings: Settings, login: str, secret: str) -> str:
    """``secret`` encrypted for storage, bound to ``login``."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _key(settings).encrypt(nonce, secret.encode("ascii"), login.encode("utf-8"))
    return _SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(settings: Settings, login: str, sealed: str) -> str:
    """The secret :func:`seal` stored; ``totp_invalid`` when it does not open."""
    try:
        if not sealed.startswith(_SEALED_PREFIX):
            raise ValueError("unknown seal")
        raw = base64.urlsafe_b64decode(sealed[len(_SEALED_PREFIX) :])
        clear = _key(settings).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], login.encode("utf-8")
        )
    except (ValueError, InvalidTag) as exc:
        raise TotpInvalid("the two-factor secret cannot be read; ask for a reset") from exc
    return clear.decode("ascii")


def provisioning_uri(secret: str, login: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the enrolment QR."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER_LABEL)


def accept_code(secret: str, code: str, last_step: int, now: datetime) -> int:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``.

    ``totp_invalid`` for a malformed, wrong, expired or already used code.
    """
    code = code.strip().replace(" ", "")
    totp = pyotp.TOTP(secret)
    if len(code) != totp.digits or not code.isdigit():
        raise TotpInvalid("the code has six digits")
    if not totp.verify(code, for_time=now, valid_window=1):
        raise TotpInvalid("the code is wrong or has expired")
    step = int(totp.timecode(now))
    # Which of the three accepted steps it was: the newest that matches.
    matched = max(offset for offset in (-1, 0, 1) if totp.at(now, counter_offset=offset) == code)
    if step + matched <= last_step:
        raise TotpInvalid("this code was used already; wait for the next one")
    return step + matched
