"""The wallet file: the holder key and the credentials, encrypted with the holder's passphrase.

``wallet.json`` in the wallet directory holds only ciphertext and the parameters to open it::

    {"format": "creditbank-wallet", "version": 1,
     "kdf": {"name": "scrypt", "salt": b64url, "n": 32768, "r": 8, "p": 1},
     "cipher": "A256GCM", "nonce": b64url, "ciphertext": b64url}

The key is scrypt(passphrase, salt); AES-256-GCM authenticates the whole document, so a
wrong passphrase and a tampered file are both detected. A fresh salt and nonce are drawn
at every save; the file is replaced atomically and readable by its owner only.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys import b64url, b64url_decode
from wallet._errors import BadPassphrase, CorruptStore, NotFound
from wallet._holder import HolderKey

__all__ = ["FILE_NAME", "StoredCredential", "WalletStore"]

FILE_NAME: Final = "wallet.json"
_FORMAT: Final = "creditbank-wallet"
_AAD: Final = b"creditbank-wallet/1"
#: scrypt cost: about 0.1 s per open on a laptop, far more for anyone guessing passphrases.
SCRYPT_N: Final = 2**15


@dataclass
class StoredCredential:
    """One credential in the wallet."""

    id: str
    format: str
    configuration_id: str
    issuer: str
    credential: str
    received_at: str
    meta: dict[str, Any] = field(default_factory=dict)


def _derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


class WalletStore:
    """Open (or create) the wallet in ``home``; ``save()`` writes it back encrypted."""

    def __init__(self, home: Path, passphrase: bytes, *, scrypt_n: int = SCRYPT_N) -> None:
        if not passphrase:
            raise BadPassphrase("the wallet passphrase must not be empty")
        self.home = home
        self._passphrase = passphrase
        self._scrypt_n = scrypt_n
        self.path = home / FILE_NAME
        self._holder: HolderKey | None = None
        self.credentials: list[StoredCredential] = []
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            document = json.loads(self.path.read_text("utf-8"))
            if (
                not isinstance(document, dict)
                or document.get("format") != _FORMAT
                or document.get("version") != 1
            ):
                raise CorruptStore(f"{self.path} is not a creditbank wallet file")
            kdf = document["kdf"]
            key = _derive(
                self._passphrase, b64url_decode(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"]
            )
            nonce, ciphertext = (b64url_decode(document[k]) for k in ("nonce", "ciphertext"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorruptStore(f"cannot read {self.path}: {exc}") from None
        try:
            plain = AESGCM(key).decrypt(nonce, ciphertext, _AAD)
        except InvalidTag:
            raise BadPassphrase("wrong passphrase (or the wallet file was altered)") from None
        try:
            content = json.loads(plain)
            self._holder = HolderKey.from_pem(content["holder_key_pem"])
            self.credentials = [StoredCredential(**item) for item in content["credentials"]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorruptStore(f"the wallet content is damaged: {exc}") from None

    @property
    def holder(self) -> HolderKey:
        """The holder key, generated on first use (saved with the next ``save()``)."""
        if self._holder is None:
            self._holder = HolderKey.generate()
        return self._holder

    def get(self, credential_id: str) -> StoredCredential:
        """The credential with ``credential_id``, or :class:`NotFound`."""
        for item in self.credentials:
            if item.id == credential_id:
                return item
        raise NotFound(f"no credential {credential_id!r} in the wallet (see `list`)")

    def add(self, item: StoredCredential) -> StoredCredential:
        """Add a credential with the next free id (the ``id`` given is replaced)."""
        used = {int(c.id) for c in self.credentials if c.id.isdigit()}
        item.id = str(max(used, default=0) + 1)
        self.credentials.append(item)
        return item

    def save(self) -> None:
        """Encrypt and write the wallet atomically (mode 0600)."""
        content = {
            "holder_key_pem": self.holder.to_pem(),
            "credentials": [asdict(item) for item in self.credentials],
        }
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        key = _derive(self._passphrase, salt, self._scrypt_n, 8, 1)
        ciphertext = AESGCM(key).encrypt(nonce, json.dumps(content).encode("utf-8"), _AAD)
        document = {
            "format": _FORMAT,
            "version": 1,
            "kdf": {"name": "scrypt", "salt": b64url(salt), "n": self._scrypt_n, "r": 8, "p": 1},
            "cipher": "A256GCM",
            "nonce": b64url(nonce),
            "ciphertext": b64url(ciphertext),
        }
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.home, prefix=".wallet-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
