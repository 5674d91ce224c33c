"""Publishing status lists: IETF Token Status List tokens and W3C Bitstring Status List
credentials, built from the credentials' ``status`` column and stored as published
documents (:func:`published_list`, :mod:`issuer.credentials.publication`): built again
when a status changed, served as stored otherwise.

Both forms carry the same values (0 valid, 1 revoked, 2 suspended) for the same list;
the token form serves SD-JWT VCs and the QR form, the Bitstring form OB 3.0 and CLR JWTs.
The credentials secured with Data Integrity proofs read two 1-bit lists of the same list
id and index, ``revocation`` and ``suspension`` (:func:`purpose_credential`), as JSON
secured with a Data Integrity proof. All of them are derived from the one ``status``
column, so a credential issued before the 1-bit lists existed reads the same everywhere.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core.errors import NotFound
from issuer.core.settings import Settings
from issuer.credentials import vc_proofs
from issuer.credentials.discovery import key_url, profile_url
from issuer.credentials.publication import Published, publish
from issuer.credentials.vc_issuance import status_list_url
from issuer.models import Credential, StatusList, utcnow
from keys import KeyStore
from verifier.formats import bitstring_status, status_list, token_status_list, vc_jwt
from verifier.formats.bitstring_status import PURPOSES

__all__ = [
    "TTL_SECONDS",
    "bitstring_credential",
    "list_statuses",
    "published_list",
    "purpose_credential",
    "status_list_token",
]

#: How long a verifier may cache a published list (seconds).
TTL_SECONDS = 300
_VALUES = {"revoked": status_list.REVOKED, "suspended": status_list.SUSPENDED}
#: The value of each 1-bit purpose list's bit.
_PURPOSE_VALUES = dict(zip(PURPOSES, (status_list.REVOKED, status_list.SUSPENDED), strict=True))


def list_statuses(session: Session, list_id: str) -> tuple[int, dict[int, int]]:
    """Size of list ``list_id`` and its non-valid entries ``{index: value}``."""
    row = session.get(StatusList, list_id)
    if row is None:
        raise NotFound(f"no status list {list_id}")
    flagged = session.exec(
        select(Credential.status_index, Credential.status).where(
            col(Credential.status_list_id) == list_id,
            col(Credential.status).in_(tuple(_VALUES)),
        )
    ).all()
    return row.size, {int(index): _VALUES[status] for index, status in flagged}


def status_list_token(
    session: Session, settings: Settings, keystore: KeyStore, list_id: str
) -> str:
    """The signed ``statuslist+jwt`` of list ``list_id`` as of now."""
    size, statuses = list_statuses(session, list_id)
    bits = status_list.build(list_id, settings.issuer_id, size, statuses)
    now = int(utcnow().timestamp())
    return token_status_list.encode(
        bits,
        status_list_url(settings, list_id),
        keystore.signer(),
        iat=now,
        ttl=TTL_SECONDS,
        exp=now + int(timedelta(hours=settings.trust_bundle_validity_hours).total_seconds()),
    )


def bitstring_credential(
    session: Session, settings: Settings, keystore: KeyStore, list_id: str
) -> str:
    """The BitstringStatusListCredential of list ``list_id`` as of now, as a VC JWT."""
    size, statuses = list_statuses(session, list_id)
    now = int(utcnow().timestamp())
    document = bitstring_status.list_credential(
        {"id": profile_url(settings), "type": ["Profile"], "name": settings.issuer_name_zh},
        status_list_url(settings, list_id, bitstring=True),
        bitstring_status.build(size, statuses),
        now,
        now + settings.trust_bundle_validity_hours * 3600,
    )
    signer = keystore.signer()
    return vc_jwt.encode(document, signer, kid=key_url(settings, signer.kid))


def purpose_credential(
    session: Session, settings: Settings, keystore: KeyStore, list_id: str, purpose: str
) -> dict[str, Any]:
    """The 1-bit ``revocation``/``suspension`` list credential of ``list_id``, with its proof."""
    if purpose not in _PURPOSE_VALUES:
        raise NotFound(f"no status purpose {purpose!r}")
    size, statuses = list_statuses(session, list_id)
    wanted = _PURPOSE_VALUES[purpose]
    bits = bitstring_status.build(
        size, {i: 1 for i, value in statuses.items() if value == wanted}, status_size=1
    )
    now = int(utcnow().timestamp())
    document = bitstring_status.purpose_list_credential(
        # No "type": the list credential names the VC 2.0 context only, which does not
        # define Profile, and JSON-LD safe mode (Digital Bazaar's) refuses undefined terms.
        {"id": profile_url(settings), "name": settings.issuer_name_zh},
        status_list_url(settings, list_id),
        purpose,
        bits,
        now,
        now + settings.trust_bundle_validity_hours * 3600,
    )
    return vc_proofs.secure(document, settings, keystore)


#: The published forms of a list: the token, the Bitstring VC JWT, the 1-bit lists.
ListForm = Literal["token", "bitstring", "revocation", "suspension"]
#: Media types of the forms (the 1-bit lists are JSON-LD secured with a proof).
_MEDIA = {
    "token": "application/statuslist+jwt",
    "bitstring": "application/vc+jwt",
    "revocation": "application/vc+ld+json",
    "suspension": "application/vc+ld+json",
}


def published_list(
    engine: Engine, settings: Settings, keystore: KeyStore, list_id: str, form: ListForm
) -> Published:
    """The published ``form`` of list ``list_id``; ``NotFound`` for a list that does not exist."""
    with Session(engine) as session:
        if session.get(StatusList, list_id) is None:
            raise NotFound(f"no status list {list_id}")
    if form in _PURPOSE_VALUES:
        # The proof key is made on first use: made now, before the source is read, its
        # creation does not make the list just built look out of date.
        keystore.proof_signer()

    def build(session: Session) -> tuple[str, str]:
        if form == "token":
            body = status_list_token(session, settings, keystore, list_id)
        elif form == "bitstring":
            body = bitstring_credential(session, settings, keystore, list_id)
        else:
            document = purpose_credential(session, settings, keystore, list_id, form)
            body = json.dumps(document, ensure_ascii=False)
        return body, _MEDIA[form]

    return publish(engine, keystore, settings, f"status-list:{list_id}:{form}", build)
