"""Dereferenceable issuer and keys: the issuer Profile, one URL per key, SD-JWT VC issuer metadata.

OB 3.0 §8.2 names the key of a JWT by a ``kid`` that is a URL returning the public JWK,
and the issuer by an id that is a URL returning its Profile. Both are built here once and
used three ways: as the ``kid`` and ``issuer.id`` of every Open Badges / CLR JWT, as the
documents the public routes serve (issuer/api/discovery.py), and as members of the trust
bundle (``profile`` of an issuer, ``id`` of a key), so an offline verifier needs no fetch.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlmodel import Session

from issuer.core.errors import UnknownKeyId
from issuer.credentials.type_metadata import LOGO_PATH
from keys import CREDENTIAL_PURPOSES, KeyRecord, KeyStore
from verifier.formats import vc_jwt

if TYPE_CHECKING:
    from issuer.core.settings import Settings

__all__ = [
    "PROFILE_PATH",
    "base_url",
    "issuer_profile",
    "jwt_vc_issuer_metadata",
    "key_document",
    "key_url",
    "profile_url",
    "published_jwks",
    "published_key",
]

#: Path of the issuer Profile; the keys are under it, at ``/issuer/keys/<thumbprint>``.
PROFILE_PATH = "/issuer"


def base_url(settings: Settings) -> str:
    """The service's public origin, without a trailing ``/``."""
    return settings.verify_base_url.rstrip("/")


def profile_url(settings: Settings) -> str:
    """The issuer id of the Open Badges / CLR credentials: the URL of the issuer Profile."""
    return base_url(settings) + PROFILE_PATH


def key_url(settings: Settings, kid: str) -> str:
    """The URL that returns the public JWK of the key with thumbprint ``kid``."""
    return f"{profile_url(settings)}/keys/{kid}"


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _institutions(session: Session, settings: Settings) -> list[dict[str, Any]]:
    rows = session.execute(text("SELECT code, name_zh, name_en FROM institution ORDER BY code"))
    base = base_url(settings)
    return [
        {
            "id": f"{base}/institutions/{code}",
            "type": ["Profile"],
            "name": zh,
            "names": {"zh": zh, "en": en},
            "otherIdentifier": [
                {"type": "IdentifierEntry", "identifier": code, "identifierType": "identifier"}
            ],
        }
        for code, zh, en in rows
    ]


def proof_method(settings: Settings, kid: str) -> str:
    """The ``verificationMethod`` of Data Integrity proofs by proof key ``kid``: the key's
    URL (which returns its Multikey document) with the fragment ``#multikey``."""
    return f"{key_url(settings, kid)}#multikey"


def proof_records(keystore: KeyStore) -> list[KeyRecord]:
    """Every proof key a verifier may still meet (not compromised), oldest first."""
    return [r for r in keystore.records() if r.purpose == "proof" and r.state != "compromised"]


def issuer_profile(session: Session, settings: Settings, keystore: KeyStore) -> dict[str, Any]:
    """The issuer Profile (JSON-LD) served at the issuer id.

    ``name`` is the Chinese name (OB 3.0 has one string), ``names`` a JSON-LD language map
    with both (our context), ``accreditedInstitution`` the institutions the bank accepts
    achievements from. The issuer id is also the controller of the Data Integrity proof
    keys: ``assertionMethod`` lists their methods, as a controller document does.
    """
    return {
        "@context": [
            vc_jwt.VC_CONTEXT,
            vc_jwt.OB_CONTEXT,
            base_url(settings) + vc_jwt.CREDITBANK_CONTEXT_PATH,
        ],
        "id": profile_url(settings),
        "type": ["Profile"],
        "name": settings.issuer_name_zh,
        "description": settings.issuer_name_en,
        "names": {"zh": settings.issuer_name_zh, "en": settings.issuer_name_en},
        "url": base_url(settings),
        "image": {"id": base_url(settings) + LOGO_PATH, "type": "Image"},
        "otherIdentifier": [
            {
                "type": "IdentifierEntry",
                "identifier": settings.issuer_id,
                "identifierType": "identifier",
            }
        ],
        "accreditedInstitution": _institutions(session, settings),
        "assertionMethod": [proof_method(settings, r.kid) for r in proof_records(keystore)],
    }


def key_document(record: KeyRecord, settings: Settings) -> dict[str, Any]:
    """The public JWK of a credential key with its state, as its URL returns it.

    The JWK members verifiers use (``kty``, ``crv``/``n``…, ``alg``, ``use``) with ``kid``
    set to the URL itself, the kid the JWTs name, so a verifier that files the fetched key
    under its ``kid`` finds it again; then ``status`` and the moments of retirement or
    compromise, so a retired or compromised key stays resolvable and says what it is.
    """
    return {
        **record.jwk,
        "kid": key_url(settings, record.kid),
        "status": record.state,
        "retired_at": _iso(record.retired_at) if record.state == "retired" else None,
        "compromised_since": _iso(record.compromised_since),
        "purpose": record.purpose,
    }


def published_jwks(keystore: KeyStore, settings: Settings) -> dict[str, Any]:
    """``/.well-known/jwks.json``: every credential key verifiers may still need, twice.

    Once under its thumbprint (the kid of QR credentials, SD-JWT VCs and status-list
    tokens) and once under its URL (the kid of Open Badges / CLR JWTs and the Bitstring
    status-list credential), so a verifier matching a JWT's kid in this set finds the key.
    """
    keys = keystore.jwks()["keys"]
    return {"keys": [*keys, *({**k, "kid": key_url(settings, k["kid"])} for k in keys)]}


def published_key(keystore: KeyStore, kid: str) -> KeyRecord:
    """The credential key with thumbprint ``kid``, in any state; :class:`UnknownKeyId` if none.

    Trust-anchor keys are not credential keys: they are pinned by verifiers, never fetched.
    """
    for record in keystore.records():
        if record.kid == kid and record.purpose in CREDENTIAL_PURPOSES:
            return record
    raise UnknownKeyId(f"no credential key has the id {kid!r}")


def jwt_vc_issuer_metadata(keystore: KeyStore, settings: Settings) -> dict[str, Any]:
    """The JWT VC Issuer Metadata (SD-JWT VC draft, ``/.well-known/jwt-vc-issuer``).

    ``issuer`` equals the ``iss`` of our SD-JWT VCs; ``jwks`` holds the keys that sign
    them (the ``signing`` purpose) which verifiers may still need (not compromised).
    """
    return {"issuer": base_url(settings), "jwks": keystore.jwks(("signing",))}
