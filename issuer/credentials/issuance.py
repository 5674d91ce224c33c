"""Issuing ``cbqr`` credentials from a learner's deposits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from issuer.bank.accounts import lock_learner
from issuer.bank.standing import deposit_entries, standing_credits
from issuer.core import audit
from issuer.core.errors import (
    NotFound,
    NotRecognised,
)
from issuer.core.settings import Settings
from issuer.credentials import status_slots
from issuer.models import (
    Achievement,
    Credential,
    CredentialEntry,
    Institution,
    LedgerEntry,
    utcnow,
)
from keys import KeyStore
from verifier.formats import cbqr

__all__ = [
    "Issued",
    "achievement_of",
    "credit_entries",
    "get_credential",
    "issuable_deposits",
    "issue_cbqr",
    "qr_text_of",
]


@dataclass(frozen=True)
class Issued:
    """A stored credential and its QR content."""

    credential: Credential
    qr_text: str


def issuable_deposits(
    session: Session, learner_id: int, entry_ids: list[int]
) -> list[tuple[LedgerEntry, int]]:
    """The deposits a new credential may carry, each with the half-credits it still holds.

    :func:`deposit_entries`, then :func:`standing_credits`: credits that were transferred,
    redeemed or reversed are refused with its errors.
    """
    deposits = deposit_entries(session, learner_id, entry_ids)
    standing = standing_credits(session, learner_id, deposits)
    return [(d, standing[d.id]) for d in deposits if d.id is not None]


def achievement_of(session: Session, deposit: LedgerEntry) -> tuple[Achievement, Institution]:
    """The achievement a deposit credits and the institution that recorded it."""
    assert deposit.achievement_id is not None
    achievement = session.get(Achievement, deposit.achievement_id)
    assert achievement is not None and achievement.id is not None
    institution = session.get(Institution, achievement.institution_id)
    assert institution is not None
    return achievement, institution


def credit_entries(
    session: Session, learner_id: int, entry_ids: list[int]
) -> list[cbqr.CreditEntry]:
    """One credit entry per deposit (see :func:`issuable_deposits`), in the order asked for."""
    out: list[cbqr.CreditEntry] = []
    for entry, half_credits in issuable_deposits(session, learner_id, entry_ids):
        achievement, institution = achievement_of(session, entry)
        out.append(
            cbqr.CreditEntry(
                title=achievement.title,
                domain=entry.domain,
                kind=achievement.kind,
                half_credits=half_credits,
                hours=achievement.hours,
                standard=entry.standard,
                institution=institution.code,
                date=achievement.completed_on,
            )
        )
    return out


def issue_cbqr(
    session: Session,
    settings: Settings,
    keystore: KeyStore,
    learner_id: int,
    entry_ids: list[int],
    now: datetime | None = None,
    *,
    actor: str = "admin",
) -> Issued:
    """Sign a ``cbqr`` credential over the given deposits and store it (caller commits).

    ``actor`` is who asked, as the audit trail names them.
    """
    learner = lock_learner(session, learner_id)
    assert learner.id is not None
    entries = credit_entries(session, learner.id, entry_ids)
    issued_at = (now or utcnow()).replace(microsecond=0)
    expires_at = (
        None
        if settings.credential_validity_days is None
        else issued_at + timedelta(days=settings.credential_validity_days)
    )
    list_id, index = status_slots.allocate(session, settings)
    jti = secrets.token_urlsafe(9)
    claims = cbqr.QRCredential(
        issuer=settings.issuer_id,
        jti=jti,
        nbf=int(issued_at.timestamp()),
        exp=None if expires_at is None else int(expires_at.timestamp()),
        name=learner.name,
        masked_id=learner.national_id_masked,
        entries=tuple(entries),
        status_list=list_id,
        status_index=index,
    )
    jws, qr_text = cbqr.issue_qr(claims, keystore.signer(), settings.verify_base_url)
    credential = Credential(
        jti=jti,
        format="cbqr",
        learner_id=learner.id,
        token=jws,
        status_list_id=list_id,
        status_index=index,
        status="active",
        issued_at=issued_at,
        expires_at=expires_at,
    )
    store_credential(session, credential, entry_ids, actor=actor)
    return Issued(credential, qr_text)


def store_credential(
    session: Session, credential: Credential, entry_ids: list[int], *, actor: str
) -> None:
    """Store a credential of any format with links to the ledger entries it carries.

    The issuance is audited (``credential.issue``) with the format, the learner's row id
    and the entries carried: no name and no national ID.
    """
    session.add(credential)
    session.flush()
    assert credential.id is not None
    for position, entry_id in enumerate(entry_ids):
        session.add(
            CredentialEntry(
                credential_id=credential.id, position=position, ledger_entry_id=entry_id
            )
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="credential.issue",
        subject=f"credential:{credential.jti}",
        payload={"jti": credential.jti, "format": credential.format, "entries": entry_ids},
        summary=f"{credential.format} credential issued to learner {credential.learner_id}",
        details={
            "format": credential.format,
            "learner_id": credential.learner_id,
            "entry_ids": entry_ids,
        },
    )


def get_credential(session: Session, jti: str) -> Credential:
    """The credential with ``jti``, or :class:`NotFound`."""
    credential = session.exec(select(Credential).where(col(Credential.jti) == jti)).first()
    if credential is None:
        raise NotFound(f"no credential {jti}")
    return credential


def qr_text_of(credential: Credential, settings: Settings) -> str:
    """The QR content of a stored ``cbqr`` credential; other formats have none."""
    if credential.format != "cbqr":
        raise NotRecognised(f"credential {credential.jti} is a {credential.format}, not a cbqr")
    return cbqr.to_qr_text(credential.token, settings.verify_base_url)
