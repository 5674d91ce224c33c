"""Private key files: PKCS#8 DER sealed with AES-256-GCM under a scrypt-derived key.

Hand-composed from cryptography's primitives because its PEM encryption stretches the
passphrase with 2,048 PBKDF2 rounds only, its PKCS#8 ``encryption_builder()`` is refused
("only supported with PrivateFormat.OpenSSH and PrivateFormat.PKCS12") and its PKCS#12
files carry a MAC keyed after 2,048 rounds, a cheap oracle for guessing the passphrase.
A file ``<kid>.key`` is JSON::

    {"format": "creditbank-key/1",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 3, "salt": <b64url, 16 bytes>},
     "cipher": "A256GCM", "nonce": <b64url, 12 bytes>, "ciphertext": <b64url>}

The ciphertext is the unencrypted PKCS#8 DER of the key; the kid is the associated data,
so a file renamed to another kid does not open. scrypt N=2^15, r=8, p=3 is one of OWASP's
equivalent settings (32 MiB). Keys written earlier as encrypted PKCS#8 PEM
(``<kid>.pem``) still load.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys._errors import BadPassphrase, InvalidKey
from keys._jwk import PrivateKey, b64url, b64url_decode

FORMAT: Final = "creditbank-key/1"
SCRYPT_N: Final = 2**15
SCRYPT_R: Final = 8
SCRYPT_P: Final = 3
# A tampered file must not make a load take minutes or gigabytes.
_MAX_N: Final = 2**20


def key_file(directory: Path, kid: str) -> Path:
    """The file that holds the private key ``kid`` (new or legacy form)."""
    current = directory / f"{kid}.key"
    legacy = directory / f"{kid}.pem"
    return legacy if legacy.exists() and not current.exists() else current


def _derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


def write_private_key(directory: Path, kid: str, private: PrivateKey, passphrase: bytes) -> Path:
    """Seal ``private`` with ``passphrase`` into ``<kid>.key`` (mode 0600, never replaced)."""
    salt, nonce = os.urandom(16), os.urandom(12)
    der = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    sealed = AESGCM(_derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(
        nonce, der, kid.encode("utf-8")
    )
    document = {
        "format": FORMAT,
        "kdf": {
            "name": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": b64url(salt),
        },
        "cipher": "A256GCM",
        "nonce": b64url(nonce),
        "ciphertext": b64url(sealed),
    }
    path = directory / f"{kid}.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(document, indent=2) + "\n")
    return path


def _open_sealed(data: bytes, kid: str, passphrase: bytes) -> object:
    try:
        document: dict[str, Any] = json.loads(data)
        kdf = document["kdf"]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        valid = (
            document["format"] == FORMAT
            and kdf["name"] == "scrypt"
            and document["cipher"] == "A256GCM"
            and 2 <= n <= _MAX_N
            and 1 <= r <= 32
            and 1 <= p <= 16
        )
        if not valid:
            raise ValueError("unsupported key file")
        salt, nonce = b64url_decode(kdf["salt"]), b64url_decode(document["nonce"])
        sealed = b64url_decode(document["ciphertext"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidKey(f"key file of {kid} is not a {FORMAT} document") from exc
    try:
        der = AESGCM(_derive(passphrase, salt, n, r, p)).decrypt(nonce, sealed, kid.encode())
    except InvalidTag:
        raise BadPassphrase(f"cannot decrypt key {kid}: wrong CREDITBANK_KEY_PASSPHRASE?") from None
    return serialization.load_der_private_key(der, password=None)


def read_private_key(directory: Path, kid: str, passphrase: bytes) -> PrivateKey:
    """Decrypt the private key ``kid``; :class:`BadPassphrase` when it does not open."""
    path = key_file(directory, kid)
    data = path.read_bytes()
    if path.suffix == ".pem":
        try:
            key: object = serialization.load_pem_private_key(data, password=passphrase)
        except ValueError:
            raise BadPassphrase(
                f"cannot decrypt key {kid}: wrong CREDITBANK_KEY_PASSPHRASE?"
            ) from None
    else:
        key = _open_sealed(data, kid, passphrase)
    if not isinstance(key, PrivateKey):
        raise InvalidKey(f"key {kid} has an unsupported type")
    return key
