"""The learner's side of transfers: where each credit went, under which consent.

Shown on the portal's account page and by ``GET /learners/{id}/transfers``: every
transfer out of the account with the receiving institution, the date, the consent it
used (an application and its programme, or a presentation) and, per entry, the
exemptions (免修) the institution converted it into. :func:`consent_events` lists the
audit events of the learner's consents and their use.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from issuer.bank import applications, exemptions
from issuer.bank.transfer_items import carried_entries
from issuer.models import (
    AuditEvent,
    Credential,
    Institution,
    LearnerTransferItemPublic,
    LearnerTransferPublic,
    LedgerEntry,
    Transfer,
    TransferApplication,
    TransferConsent,
    TransferItem,
)

__all__ = ["CONSENT_ACTIONS", "account_context", "consent_events", "learner_transfers"]

#: Audit actions about a learner's consent: given, withdrawn, used, converted.
CONSENT_ACTIONS = (
    "transfer_application.create",
    "transfer_application.withdraw",
    "transfer.record",
    "transfer.exempt",
)


def learner_transfers(session: Session, learner_id: int) -> list[LearnerTransferPublic]:
    """The learner's transfers, newest first."""
    rows = session.exec(
        select(Transfer, Institution, TransferConsent, TransferApplication)
        .join(Institution, col(Institution.id) == col(Transfer.institution_id))
        .outerjoin(TransferConsent, col(TransferConsent.transfer_id) == col(Transfer.id))
        .outerjoin(
            TransferApplication,
            col(TransferApplication.id) == col(TransferConsent.application_id),
        )
        .where(col(Transfer.learner_id) == learner_id)
        .order_by(col(Transfer.id).desc())
    ).all()
    ids = [t.id for t, _, _, _ in rows if t.id is not None]
    items = session.exec(
        select(TransferItem, Credential.jti, LedgerEntry.half_credits)
        .join(Credential, col(Credential.id) == col(TransferItem.credential_id))
        .join(LedgerEntry, col(LedgerEntry.id) == col(TransferItem.out_entry_id))
        .where(col(TransferItem.transfer_id).in_(ids))
    ).all()
    carried = carried_entries(session, list({i.credential_id for i, _, _ in items}))
    converted = exemptions.for_transfers(session, ids)
    out: list[LearnerTransferPublic] = []
    for transfer, institution, consent, application in rows:
        assert transfer.id is not None
        mine = []
        for item, jti, out_half in items:
            if item.transfer_id != transfer.id:
                continue
            entry = next(
                (c for c in carried.get(item.credential_id, []) if c.position == item.position),
                None,
            )
            mine.append(
                LearnerTransferItemPublic(
                    jti=jti,
                    position=item.position,
                    title="" if entry is None else entry.title,
                    credits=-out_half / 2,
                    exemptions=[
                        e
                        for e in converted.get(transfer.id, [])
                        if (e.jti, e.position) == (jti, item.position)
                    ],
                )
            )
        mine.sort(key=lambda i: (i.jti, i.position))
        out.append(
            LearnerTransferPublic(
                id=transfer.id,
                institution=institution.code,
                institution_name_zh=institution.name_zh,
                institution_name_en=institution.name_en,
                created_at=transfer.created_at,
                consent=None if consent is None else consent.kind,
                application_id=None if consent is None else consent.application_id,
                programme=None if application is None else application.programme,
                credits=transfer.half_credits / 2,
                items=mine,
            )
        )
    return out


def consent_events(session: Session, learner_id: int) -> list[AuditEvent]:
    """The audit events of the learner's consents and their use, newest first."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(
                col(AuditEvent.subject) == f"learner:{learner_id}",
                col(AuditEvent.action).in_(CONSENT_ACTIONS),
            )
            .order_by(col(AuditEvent.id).desc())
            .limit(200)
        )
    )


def account_context(session: Session, learner_id: int) -> dict[str, Any]:
    """What the portal's account page shows of transfers: applications, transfers, consents.

    ``consent_events`` are ``(time, who, action)``: ``who`` is ``None`` for the learner
    themself, else the institution (names from ``institution_names`` by code).
    """
    events = consent_events(session, learner_id)
    codes = {e.actor.split(":", 1)[1] for e in events if e.actor.startswith("institution:")}
    names = {
        i.code: i for i in session.exec(select(Institution).where(col(Institution.code).in_(codes)))
    }
    return {
        "applications": applications.list_for_learner(session, learner_id),
        "transfers": learner_transfers(session, learner_id),
        "consent_events": [
            (
                e.at,
                names.get(e.actor.split(":", 1)[1]) if e.actor.startswith("institution:") else None,
                e.action,
            )
            for e in events
        ],
    }
