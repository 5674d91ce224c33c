"""Dispute arbitration: a learner contests a decision, a panel settles it.

A learner files within ``dispute_window_days`` (30) of the decision (the ledger entry's
time) with grounds; the dispute panel decides within ``dispute_decision_days``; an open
case past its deadline shows as ``overdue``. Outcomes: ``upheld`` (the decision stands),
``rejected`` (the dispute is unfounded) — neither changes the ledger — or ``modified``:
the decision's credits become the panel's figure through a new ledger entry
(``adjustment``, or ``reversal`` when the figure is zero), and every active credential
carrying the decision's entries is revoked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from issuer.bank import ledger
from issuer.committee import panels
from issuer.core import audit
from issuer.core.errors import Conflict, DisputeOpen, DisputeWindowClosed, NotFound
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.credentials import status_changes
from issuer.models import (
    Achievement,
    CommitteeCase,
    Credential,
    CredentialEntry,
    Dispute,
    Learner,
    LedgerEntry,
    RedemptionItem,
    utcnow,
)
from issuer.models.committee import DisputeCreate, DisputePublic

__all__ = [
    "REDEEMED",
    "apply_outcome",
    "dispute_public",
    "file_dispute",
    "get_dispute",
    "list_disputes",
]

#: Why an entry whose credits were redeemed cannot be disputed (``conflict``).
REDEEMED = N_("The credits of this entry were redeemed toward a qualification.")


def dispute_public(
    session: Session, dispute: Dispute, *, now: datetime | None = None
) -> DisputePublic:
    """The API form of a dispute with its case."""
    case = panels.get_case(session, dispute.case_id)
    return DisputePublic.model_validate(
        dispute, update={"case": panels.case_public(session, case, now=now)}
    )


def get_dispute(session: Session, dispute_id: int) -> Dispute:
    """The dispute, or :class:`NotFound`."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound(f"dispute {dispute_id} does not exist")
    return dispute


def list_disputes(
    session: Session, *, learner_id: int | None, limit: int, offset: int
) -> tuple[list[DisputePublic], int]:
    """Disputes, oldest first, optionally of one learner; and their total."""
    query = select(Dispute)
    if learner_id is not None:
        query = query.where(col(Dispute.learner_id) == learner_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Dispute.id)).offset(offset).limit(limit))
    return [dispute_public(session, row) for row in rows], total


def file_dispute(
    session: Session,
    settings: Settings,
    learner: Learner,
    data: DisputeCreate,
    *,
    now: datetime | None = None,
) -> DisputePublic:
    """Open a dispute over one of the learner's decisions and put it to the dispute panel."""
    filed = now or utcnow()
    assert learner.id is not None
    # The account first: a redemption or correction of it waits for this dispute, or this for it.
    ledger.lock_account(session, learner.id)
    entry = session.get(LedgerEntry, data.ledger_entry_id)
    if entry is None or entry.learner_id != learner.id:
        raise NotFound(f"ledger entry {data.ledger_entry_id} is not in this account")
    if entry.kind not in ("deposit", "adjustment"):
        raise Conflict(f"a {entry.kind} entry is not a decision that can be disputed")
    if filed - entry.created_at > timedelta(days=settings.dispute_window_days):
        raise DisputeWindowClosed(
            N_("Disputes are filed within %(days)s days of the decision."),
            values={"days": settings.dispute_window_days},
        )
    unit = f"a:{entry.achievement_id}" if entry.achievement_id else f"e:{entry.id}"
    redeemed = session.exec(select(RedemptionItem).where(col(RedemptionItem.unit) == unit))
    if redeemed.first() is not None:
        # Correcting credits already spent on a qualification would leave the statement wrong.
        raise Conflict(REDEEMED)
    subject = f"ledger_entry:{entry.id}"
    pending = session.exec(
        select(CommitteeCase).where(
            col(CommitteeCase.subject) == subject, col(CommitteeCase.status) == "open"
        )
    ).first()
    if pending is not None:
        raise DisputeOpen(N_("This entry already has an open dispute; wait for its decision."))
    achievement = session.get(Achievement, entry.achievement_id) if entry.achievement_id else None
    case = panels.open_case(
        session,
        kind="dispute",
        subject=subject,
        institution_id=achievement.institution_id if achievement else None,
        now=filed,
    )
    case.due_at = filed + timedelta(days=settings.dispute_decision_days)
    assert case.id is not None and learner.id is not None
    dispute = Dispute(
        learner_id=learner.id,
        ledger_entry_id=data.ledger_entry_id,
        grounds=data.grounds,
        case_id=case.id,
        filed_at=filed,
    )
    session.add_all([case, dispute])
    session.flush()
    audit.record(
        session,
        actor=f"learner:{learner.id}",
        action="dispute.file",
        subject=f"dispute:{dispute.id}",
        payload=data.model_dump(mode="json"),
    )
    return dispute_public(session, dispute, now=filed)


def _decision_entries(session: Session, entry: LedgerEntry) -> list[LedgerEntry]:
    """The disputed entry and every later correction of the same achievement."""
    if entry.achievement_id is None:
        return [entry]
    statement = select(LedgerEntry).where(
        col(LedgerEntry.learner_id) == entry.learner_id,
        col(LedgerEntry.achievement_id) == entry.achievement_id,
        col(LedgerEntry.kind).in_(["deposit", "adjustment", "reversal"]),
    )
    return list(session.exec(statement))


def apply_outcome(
    session: Session, case: CommitteeCase, *, actor: str, now: datetime | None = None
) -> None:
    """Carry out a decided dispute case: for ``modified``, correct the ledger and revoke."""
    dispute = session.exec(select(Dispute).where(col(Dispute.case_id) == case.id)).one()
    audit.record(
        session,
        actor=actor,
        action=f"dispute.{case.status}",
        subject=f"dispute:{dispute.id}",
        payload={"case": case.id, "half_credits": case.outcome_half_credits},
    )
    if case.status != "modified" or case.outcome_half_credits is None:
        return
    entry = session.get(LedgerEntry, dispute.ledger_entry_id)
    assert entry is not None
    ledger.lock_account(session, entry.learner_id)
    related = _decision_entries(session, entry)
    current = sum(e.half_credits for e in related)
    delta = case.outcome_half_credits - current
    if delta != 0:
        ledger.append(
            session,
            learner_id=entry.learner_id,
            kind="reversal" if case.outcome_half_credits == 0 else "adjustment",
            half_credits=delta,
            domain=entry.domain,
            standard=entry.standard,
            rule=f"dispute:{dispute.id}",
            explanation=(
                f"争议 {dispute.id} 裁决：学分改为 {case.outcome_half_credits / 2:g}"
                f" / dispute {dispute.id} decided: credits changed to "
                f"{case.outcome_half_credits / 2:g}"
            ),
            achievement_id=entry.achievement_id,
            now=now,
        )
    credentials = session.exec(
        select(Credential)
        .join(CredentialEntry, col(CredentialEntry.credential_id) == col(Credential.id))
        .where(
            col(CredentialEntry.ledger_entry_id).in_([e.id for e in related]),
            col(Credential.status) == "active",
        )
        .distinct()
    )
    for credential in list(credentials):
        status_changes.set_status(
            session,
            credential.jti,
            "revoked",
            reason=f"dispute {dispute.id} modified the credits",
            actor=actor,
            case_id=case.id,
        )
    session.flush()
