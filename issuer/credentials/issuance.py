"""Issuing ``cbqr`` credentials from a learner's deposits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from issuer.bank.accounts import get_learner
from issuer.core.errors import (
    AlreadyRedeemed,
    AlreadyTransferred,
    CreditBankError,
    InsufficientCredits,
    InvalidRequest,
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
    Redemption,
    RedemptionItem,
    TransferItem,
    utcnow,
)
from keys import KeyStore
from verifier.formats import cbqr

__all__ = [
    "Issued",
    "credit_entries",
    "deposit_entries",
    "get_credential",
    "issuable_deposits",
    "issue_cbqr",
    "qr_text_of",
    "standing_credits",
    "standing_deposits",
]


@dataclass(frozen=True)
class Issued:
    """A stored credential and its QR content."""

    credential: Credential
    qr_text: str


def deposit_entries(session: Session, learner_id: int, entry_ids: list[int]) -> list[LedgerEntry]:
    """The learner's deposit entries with these ids, in the order asked for.

    Entries that do not exist or belong to someone else are :class:`NotFound`; entries
    of the learner that are not deposits of an achievement are :class:`NotRecognised`;
    a repeated id is :class:`InvalidRequest`.
    """
    if len(set(entry_ids)) != len(entry_ids):
        raise InvalidRequest("entry_ids must not repeat an entry")
    rows = session.exec(
        select(LedgerEntry).where(
            col(LedgerEntry.id).in_(entry_ids), col(LedgerEntry.learner_id) == learner_id
        )
    ).all()
    by_id = {row.id: row for row in rows}
    out: list[LedgerEntry] = []
    for entry_id in entry_ids:
        entry = by_id.get(entry_id)
        if entry is None:
            raise NotFound(f"learner {learner_id} has no ledger entry {entry_id}")
        if entry.kind != "deposit" or entry.achievement_id is None:
            raise NotRecognised(f"ledger entry {entry_id} is a {entry.kind}, not a deposit")
        out.append(entry)
    return out


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


def standing_credits(
    session: Session, learner_id: int, deposits: list[LedgerEntry]
) -> dict[int, int]:
    """Half-credits each deposit still holds, by ledger entry id.

    A deposit whose credits went to a university is :class:`AlreadyTransferred`, one
    counted toward a qualification :class:`AlreadyRedeemed`, and one a reversal or a
    downward adjustment left without credits :class:`InsufficientCredits`: no credential
    is issued, and no transfer recorded, over credits the account no longer holds.
    """
    standing = _standing(session, learner_id, deposits)
    for kind in (AlreadyTransferred, AlreadyRedeemed, InsufficientCredits):
        for value in standing.values():
            if isinstance(value, kind):
                raise value
    return {entry_id: half for entry_id, half in standing.items() if isinstance(half, int)}


def standing_deposits(session: Session, learner_id: int) -> list[LedgerEntry]:
    """The learner's deposits that still hold credits (not transferred, redeemed or reversed)."""
    rows = list(
        session.exec(
            select(LedgerEntry)
            .where(
                col(LedgerEntry.learner_id) == learner_id,
                col(LedgerEntry.kind) == "deposit",
                col(LedgerEntry.achievement_id).is_not(None),
            )
            .order_by(col(LedgerEntry.seq))
        ).all()
    )
    standing = _standing(session, learner_id, rows)
    return [row for row in rows if isinstance(standing.get(row.id or 0), int)]


def _standing(
    session: Session, learner_id: int, deposits: list[LedgerEntry]
) -> dict[int, int | CreditBankError]:
    """For each deposit id, the half-credits it still holds or the error that refuses it.

    Three queries whatever the number of deposits: transfers, redemptions, net credits.
    """
    ids = [d.id for d in deposits]
    transferred = set(
        session.exec(
            select(TransferItem.ledger_entry_id).where(col(TransferItem.ledger_entry_id).in_(ids))
        )
    )
    units = {f"a:{d.achievement_id}" for d in deposits} | {f"e:{d.id}" for d in deposits}
    redeemed = set(
        session.exec(
            select(RedemptionItem.unit)
            .join(Redemption, col(Redemption.id) == col(RedemptionItem.redemption_id))
            .where(col(Redemption.learner_id) == learner_id, col(RedemptionItem.unit).in_(units))
        )
    )
    net = dict(
        session.exec(
            select(LedgerEntry.achievement_id, func.sum(LedgerEntry.half_credits))
            .where(
                col(LedgerEntry.learner_id) == learner_id,
                col(LedgerEntry.achievement_id).in_([d.achievement_id for d in deposits]),
            )
            .group_by(col(LedgerEntry.achievement_id))
        ).all()
    )
    out: dict[int, int | CreditBankError] = {}
    for deposit in deposits:
        assert deposit.id is not None and deposit.achievement_id is not None
        half = min(deposit.half_credits, int(net.get(deposit.achievement_id) or 0))
        unit = next(
            (u for u in (f"a:{deposit.achievement_id}", f"e:{deposit.id}") if u in redeemed), None
        )
        if deposit.id in transferred:
            out[deposit.id] = AlreadyTransferred(
                f"the credits of ledger entry {deposit.id} were already transferred"
            )
        elif unit is not None:
            out[deposit.id] = AlreadyRedeemed(
                f"the credits of {unit} already count toward a qualification"
            )
        elif half <= 0:
            out[deposit.id] = InsufficientCredits(
                f"ledger entry {deposit.id} holds no credits any more"
            )
        else:
            out[deposit.id] = half
    return out


def credit_entries(
    session: Session, learner_id: int, entry_ids: list[int]
) -> list[cbqr.CreditEntry]:
    """One credit entry per deposit (see :func:`issuable_deposits`), in the order asked for."""
    out: list[cbqr.CreditEntry] = []
    for entry, half_credits in issuable_deposits(session, learner_id, entry_ids):
        assert entry.achievement_id is not None
        achievement = session.get(Achievement, entry.achievement_id)
        assert achievement is not None
        institution = session.get(Institution, achievement.institution_id)
        assert institution is not None
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
) -> Issued:
    """Sign a ``cbqr`` credential over the given deposits and store it (caller commits)."""
    learner = get_learner(session, learner_id)
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
    store_credential(session, credential, entry_ids)
    return Issued(credential, qr_text)


def store_credential(session: Session, credential: Credential, entry_ids: list[int]) -> None:
    """Store a credential of any format with links to the ledger entries it carries."""
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
