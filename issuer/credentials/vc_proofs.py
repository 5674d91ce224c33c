"""Data Integrity proofs (``eddsa-rdfc-2022``) for our OB 3.0 / CLR 2.0 documents.

The proof key is the key store's Ed25519 ``proof`` key. Its ``verificationMethod`` is
``{base}/issuer/keys/{kid}#multikey`` (``kid``: the key's RFC 7638 thumbprint; the key URL
of :mod:`issuer.credentials.discovery`), which dereferences to a Multikey document
controlled by the issuer, ``{base}/issuer`` (``issuer.id`` of the credentials); the issuer
Profile served there lists the methods under ``assertionMethod``, as a controller
document does. The same methods are in the trust bundle (key entries with ``purpose:
"proof"``) for verifiers that are offline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from issuer.core.errors import NotFound
from issuer.core.settings import Settings
from issuer.credentials.discovery import profile_url, proof_method, proof_records
from keys import KeyRecord, KeyStore, load_public_jwk
from verifier.formats import data_integrity

__all__ = ["multikey_of", "secure"]


def _public(record: KeyRecord) -> ed25519.Ed25519PublicKey:
    public, _alg = load_public_jwk(record.jwk)
    assert isinstance(public, ed25519.Ed25519PublicKey)
    return public


def multikey_of(settings: Settings, keystore: KeyStore, kid: str) -> dict[str, Any]:
    """The Multikey document of proof key ``kid``; :class:`NotFound` for any other kid."""
    for record in proof_records(keystore):
        if record.kid == kid:
            return data_integrity.multikey_document(
                proof_method(settings, kid), profile_url(settings), _public(record)
            )
    raise NotFound(f"no Data Integrity key {kid}")


def secure(
    document: dict[str, Any],
    settings: Settings,
    keystore: KeyStore,
    *,
    created: datetime | None = None,
) -> dict[str, Any]:
    """``document`` with a Data Integrity proof by the active proof key."""
    signer = keystore.proof_signer()
    return data_integrity.sign(
        document, signer, proof_method(settings, signer.kid), created=created
    )
