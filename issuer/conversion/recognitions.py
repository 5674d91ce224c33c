"""Recognitions: storing the engine's decisions, quality-review hold, approval and rejection.

A decision above ``Settings.review_threshold_half_credits``, and every work-experience
claim, waits in ``pending_review`` and deposits nothing until :func:`approve` (the
committee's quality review calls it, or a reviewer in the console) or :func:`reject`; a
reviewer may first ask the learner for more material (:func:`request_material`, status
``more_material``, still counted against the caps and still open). Other decisions are
recognised and deposited at once; a decision of zero credits is recorded as recognised
with no ledger entry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from issuer.bank import ledger
from issuer.conversion.engine import Decision, Facts, History
from issuer.core.errors import NotFound, RecognitionDecided
from issuer.models import Achievement, CapUsage, LedgerEntry, Recognition, utcnow

__all__ = [
    "OPEN_STATUSES",
    "approve",
    "create",
    "get",
    "held_for",
    "history",
    "material_added",
    "needs_review",
    "reject",
    "request_material",
]

#: The statuses of a recognition that still waits for a decision.
OPEN_STATUSES = ("pending_review", "more_material")

# The credits of recognised and of pending recognitions count against the caps of later
# decisions (pending ones too, so approving them later can never push a learner over a
# cap): create() adds them to the account's cap totals, reject() takes them back.


def get(session: Session, recognition_id: int) -> Recognition:
    """One recognition, or :class:`NotFound`."""
    row = session.get(Recognition, recognition_id)
    if row is None:
        raise NotFound(f"recognition {recognition_id} does not exist")
    return row


def held_for(session: Session, learner_id: int, *, limit: int = 50) -> list[Recognition]:
    """The learner's recognitions that were held for review (open or decided), newest first."""
    statement = (
        select(Recognition)
        .where(
            col(Recognition.learner_id) == learner_id,
            # Decided by the engine at once: never held (and shown in the entries already).
            or_(col(Recognition.decided_by).is_(None), col(Recognition.decided_by) != "engine"),
        )
        .order_by(col(Recognition.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def _cap_keys(kind: str, year: int, source: str) -> tuple[tuple[str, str], ...]:
    return (("year", str(year)), ("kind", kind), ("source", source[:200]))


def history(session: Session, learner_id: int, facts: Facts) -> History:
    """What the account already counts against the caps a decision on ``facts`` meets.

    Read from the running totals (``cap_usage``): a few rows per standard, whatever the
    account holds.
    """
    keys = _cap_keys(facts.kind, facts.completed_on.year, facts.source)
    statement = sa_select(
        col(CapUsage.standard_id),
        col(CapUsage.dimension),
        col(CapUsage.key),
        col(CapUsage.half_credits),
    ).where(
        col(CapUsage.learner_id) == learner_id,
        or_(*(and_(col(CapUsage.dimension) == d, col(CapUsage.key) == k) for d, k in keys)),
    )
    per_year: dict[tuple[str, int], int] = {}
    per_kind: dict[tuple[str, str], int] = {}
    per_source: dict[tuple[str, str], int] = {}
    for sid, dimension, key, used in session.execute(statement):
        if dimension == "year":
            per_year[sid, int(key)] = used
        elif dimension == "kind":
            per_kind[sid, key] = used
        else:
            per_source[sid, key] = used
    return History(per_year, per_kind, per_source)


def _count(session: Session, row: Recognition, sign: int) -> None:
    """Add (``sign`` 1) or take back (-1) ``row``'s credits in the account's cap totals.

    Every caller holds the account's lock, so reading and then writing a total is safe.
    """
    sid = row.standard.partition("@")[0]
    for dimension, key in _cap_keys(row.kind, row.year, row.source):
        pk = {"learner_id": row.learner_id, "standard_id": sid, "dimension": dimension, "key": key}
        usage = session.get(CapUsage, pk) or CapUsage(
            learner_id=row.learner_id, standard_id=sid, dimension=dimension, key=key
        )
        usage.half_credits += sign * row.half_credits
        session.add(usage)


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
    held: bool = False,
) -> tuple[Recognition, LedgerEntry | None]:
    """Store the decision on ``achievement``; deposit unless it waits for review.

    ``held`` makes it wait whatever the decision (a learner's own application: a
    reviewer looks at the evidence before anything is deposited).
    """
    assert achievement.id is not None
    pending = held or needs_review(achievement.kind, decision, threshold)
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
    _count(session, row, 1)
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
    if row.status not in OPEN_STATUSES:
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


def request_material(
    session: Session,
    recognition_id: int,
    *,
    reason: str,
) -> Recognition:
    """Ask the learner for more material: the recognition stays open (``more_material``).

    Not a decision: ``decided_at`` stays empty (the review time counts to the decision);
    who asked, and when, is the caller's audit event (``decided_by`` names them there).
    """
    row = _pending(session, recognition_id)
    row.status = "more_material"
    row.reason = reason[:1000]
    session.add(row)
    session.flush()
    return row


def material_added(session: Session, recognition_id: int) -> Recognition:
    """The learner added the material asked for: the recognition waits for review again."""
    row = _pending(session, recognition_id)
    if row.status != "more_material":
        raise RecognitionDecided(f"recognition {recognition_id} is not waiting for material")
    row.status = "pending_review"
    session.add(row)
    session.flush()
    return row


def reject(
    session: Session,
    recognition_id: int,
    *,
    reason: str,
    now: datetime | None = None,
    decided_by: str | None = None,
) -> None:
    """Reject a pending recognition; nothing is deposited and its caps are released."""
    row = _pending(session, recognition_id)
    _count(session, row, -1)
    row.status = "rejected"
    row.reason = reason[:1000]
    row.decided_at = now or utcnow()
    if decided_by is not None:
        row.decided_by = decided_by[:200]
    session.add(row)
    session.flush()
