"""Data Integrity proofs (``eddsa-rdfc-2022``) for our OB 3.0 / CLR 2.0 documents.

The proof key is the key store's Ed25519 ``proof`` key. Its ``verificationMethod`` is
``{issuer}/issuer/keys/{kid}#multikey`` (``kid``: the key's RFC 7638 thumbprint), which
``GET /issuer/keys/{kid}`` dereferences to a Multikey document controlled by the issuer
(``issuer.id`` of the credentials); ``GET /issuer/keys`` is the controller document that
lists the methods under ``assertionMethod``. The same methods are in the trust bundle
(key entries with ``purpose: "proof"``) for verifiers that are offline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from issuer.core.errors import NotFound
from issuer.core.settings import Settings
from issuer.credentials.vc_documents import issuer_uri
from keys import KeyRecord, KeyStore, load_public_jwk
from verifier.formats import data_integrity

__all__ = [
    "CONTROLLER_CONTEXT",
    "controller_document",
    "multikey_of",
    "proof_records",
    "secure",
    "verification_method",
]

#: The context of the controller document: it defines ``assertionMethod``.
CONTROLLER_CONTEXT = "https://w3id.org/security/v2"


def verification_method(settings: Settings, kid: str) -> str:
    """The ``verificationMethod`` URL of proof key ``kid``."""
    return f"{issuer_uri(settings)}/issuer/keys/{kid}#multikey"


def proof_records(keystore: KeyStore) -> list[KeyRecord]:
    """Every proof key a verifier may still meet (not compromised), oldest first."""
    return [r for r in keystore.records() if r.purpose == "proof" and r.state != "compromised"]


def _public(record: KeyRecord) -> ed25519.Ed25519PublicKey:
    public, _alg = load_public_jwk(record.jwk)
    assert isinstance(public, ed25519.Ed25519PublicKey)
    return public


def multikey_of(settings: Settings, keystore: KeyStore, kid: str) -> dict[str, Any]:
    """The Multikey document of proof key ``kid``; :class:`NotFound` for any other kid."""
    for record in proof_records(keystore):
        if record.kid == kid:
            return data_integrity.multikey_document(
                verification_method(settings, kid), issuer_uri(settings), _public(record)
            )
    raise NotFound(f"no Data Integrity key {kid}")


def controller_document(settings: Settings, keystore: KeyStore) -> dict[str, Any]:
    """The issuer as the controller of its proof keys (``assertionMethod``).

    The methods are listed by URL; each dereferences to its Multikey document.
    """
    return {
        "@context": CONTROLLER_CONTEXT,
        "id": issuer_uri(settings),
        "assertionMethod": [verification_method(settings, r.kid) for r in proof_records(keystore)],
    }


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
        document, signer, verification_method(settings, signer.kid), created=created
    )
