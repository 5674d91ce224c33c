"""What the bank's records say about credentials a university checks offline.

``creditbank-verify transfer --online URL`` asks here (``GET /transfers/records``):
per entry of each credential, whether its credits were transferred — to the calling
institution (with its name and the date: "already recorded at … on …") or elsewhere
(not named: where a learner's credits went is the learner's to tell). Only the bank's
record is final; the offline report cannot know it.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from issuer.models import (
    Credential,
    CredentialEntry,
    Institution,
    Transfer,
    TransferItem,
)
from issuer.models.consent import TransferRecordPublic, TransferRecordsPublic

__all__ = ["lookup"]


def lookup(session: Session, institution: Institution, jtis: list[str]) -> TransferRecordsPublic:
    """The transfer standing of every entry of the credentials ``jtis``."""
    wanted = list(dict.fromkeys(jtis))
    credentials = {
        c.id: c for c in session.exec(select(Credential).where(col(Credential.jti).in_(wanted)))
    }
    entries = session.exec(
        select(CredentialEntry)
        .where(col(CredentialEntry.credential_id).in_(list(credentials)))
        .order_by(col(CredentialEntry.credential_id), col(CredentialEntry.position))
    ).all()
    moved = {
        item.ledger_entry_id: transfer
        for item, transfer in session.exec(
            select(TransferItem, Transfer)
            .join(Transfer, col(Transfer.id) == col(TransferItem.transfer_id))
            .where(col(TransferItem.ledger_entry_id).in_([e.ledger_entry_id for e in entries]))
        ).all()
    }
    records: list[TransferRecordPublic] = []
    for entry in entries:
        transfer = moved.get(entry.ledger_entry_id)
        here = transfer is not None and transfer.institution_id == institution.id
        records.append(
            TransferRecordPublic(
                jti=credentials[entry.credential_id].jti,
                position=entry.position,
                recorded=transfer is not None,
                here=here,
                elsewhere=transfer is not None and not here,
                institution=institution.code if here else None,
                institution_name_zh=institution.name_zh if here else None,
                institution_name_en=institution.name_en if here else None,
                transfer_id=transfer.id if here and transfer is not None else None,
                recorded_at=transfer.created_at if here and transfer is not None else None,
            )
        )
    known = {c.jti for c in credentials.values()}
    return TransferRecordsPublic(records=records, unknown=[j for j in wanted if j not in known])
