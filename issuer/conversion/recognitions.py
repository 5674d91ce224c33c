"""Recognitions: storing the engine's decisions, quality-review hold, approval and rejection.

A decision above ``Settings.review_threshold_half_credits``, and every work-experience
claim, waits in ``pending_review`` and deposits nothing until :func:`approve` (the
committee's quality review calls it). Other decisions are recognised and deposited at
once; a decision of zero credits is recorded as recognised with no ledger entry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from issuer.bank import ledger
from issuer.conversion.engine import Decision, History, HistoryItem
from issuer.core.errors import NotFound, RecognitionDecided
from issuer.models import Achievement, LedgerEntry, Recognition, utcnow

__all__ = ["approve", "create", "get", "history", "needs_review", "reject"]

#: Statuses whose credits count against the caps of later decisions. Pending ones do
#: too, so approving them later can never push a learner over a cap.
_COUNTED = ("recognised", "pending_review")


def get(session: Session, recognition_id: int) -> Recognition:
    """One recognition, or :class:`NotFound`."""
    row = session.get(Recognition, recognition_id)
    if row is None:
        raise NotFound(f"recognition {recognition_id} does not exist")
    return row


def history(session: Session, learner_id: int) -> History:
    """The account history the engine needs: counted recognitions, aggregated."""
    statement = sa_select(
        col(Recognition.standard),
        col(Recognition.kind),
        col(Recognition.source),
        col(Recognition.year),
        col(Recognition.half_credits),
    ).where(col(Recognition.learner_id) == learner_id, col(Recognition.status).in_(_COUNTED))
    return History.of(HistoryItem(*row) for row in session.execute(statement))


def needs_review(kind: str, decision: Decision, threshold: int) -> bool:
    """Whether a decision waits for quality review before any deposit."""
    if decision.half_credits <= 0:
        return False
    return kind == "work_experience" or decision.half_credits > threshold


def _deposit(session: Session, row: Recognition) -> LedgerEntry:
    entry = ledger.append(
        session,
        learner_id=row.learner_id,
        kind="deposit",
        half_credits=row.half_credits,
        achievement_id=row.achievement_id,
        domain=row.domain,
        standard=row.standard,
        rule=row.rule,
        explanation=f"{row.explanation_zh}\n{row.explanation_en}"[:1000],
    )
    row.ledger_entry_id = entry.id
    return entry


def create(
    session: Session,
    achievement: Achievement,
    decision: Decision,
    *,
    source: str,
    threshold: int,
) -> tuple[Recognition, LedgerEntry | None]:
    """Store the decision on ``achievement``; deposit unless it waits for review."""
    assert achievement.id is not None
    pending = needs_review(achievement.kind, decision, threshold)
    row = Recognition(
        achievement_id=achievement.id,
        learner_id=achievement.learner_id,
        status="pending_review" if pending else "recognised",
        kind=achievement.kind,
        source=source[:200],
        year=achievement.completed_on.year,
        domain=decision.domain,
        half_credits=decision.half_credits,
        standard=decision.standard,
        rule=decision.rule,
        explanation_zh=decision.explanation_zh[:1000],
        explanation_en=decision.explanation_en[:1000],
        caps_applied=list(decision.caps_applied),
    )
    entry = None
    if not pending:
        row.decided_at = utcnow()
        row.decided_by = "engine"
        if decision.half_credits > 0:
            entry = _deposit(session, row)
    session.add(row)
    session.flush()
    return row, entry


def _pending(session: Session, recognition_id: int) -> Recognition:
    row = get(session, recognition_id)
    # Lock the account, then read the recognition again: a concurrent decision is seen.
    ledger.lock_account(session, row.learner_id)
    session.refresh(row)
    if row.status != "pending_review":
        raise RecognitionDecided(f"recognition {recognition_id} is already {row.status}")
    return row


def approve(
    session: Session, recognition_id: int, *, decided_by: str, now: datetime | None = None
) -> LedgerEntry:
    """Approve a pending recognition after quality review and deposit its credits."""
    row = _pending(session, recognition_id)
    row.status = "recognised"
    row.decided_at = now or utcnow()
    row.decided_by = decided_by[:200]
    entry = _deposit(session, row)
    session.add(row)
    session.flush()
    return entry


def reject(
    session: Session, recognition_id: int, *, reason: str, now: datetime | None = None
) -> None:
    """Reject a pending recognition; nothing is deposited and its caps are released."""
    row = _pending(session, recognition_id)
    row.status = "rejected"
    row.reason = reason[:1000]
    row.decided_at = now or utcnow()
    session.add(row)
    session.flush()
