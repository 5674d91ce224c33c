"""Committee workflows on standards and recognitions, and the vote that settles any case.

- Standard approval: :func:`open_standard_case` puts a draft version under review
  (``standards.submit_for_review``, unless it was submitted already); an ``approve``
  outcome calls ``standards.mark_approved``.
  A ``reject`` outcome is recorded on the case; the version stays under review until a new
  case approves it (the standards lifecycle has no way back to draft).
- Quality review: :func:`open_recognition_case` puts a ``pending_review`` recognition to the
  review panel; ``approve`` calls ``recognitions.approve`` (which deposits), ``reject`` calls
  ``recognitions.reject``. Members affiliated with the achievement's institution may not vote.
- :func:`vote` records a vote, and when it settles the case, carries the outcome out
  (disputes through :func:`issuer.committee.disputes.apply_outcome`), all in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from issuer.committee import disputes, panels
from issuer.conversion import recognitions, standards
from issuer.core import audit
from issuer.core.errors import Conflict
from issuer.models import Achievement, CommitteeCase, CommitteeMember, utcnow
from issuer.models.committee import CasePublic, VoteCreate

__all__ = ["open_recognition_case", "open_standard_case", "vote"]


def _refuse_open_duplicate(session: Session, subject: str) -> None:
    pending = session.exec(
        select(CommitteeCase).where(
            col(CommitteeCase.subject) == subject, col(CommitteeCase.status) == "open"
        )
    ).first()
    if pending is not None:
        raise Conflict(f"case {pending.id} on {subject} is already open")


def open_standard_case(
    session: Session, standard_id: str, version: int, *, panel_id: int | None, actor: str
) -> CasePublic:
    """Submit a standard version for review and open its case before the standards panel."""
    subject = f"standard:{standard_id}@{version}"
    _refuse_open_duplicate(session, subject)
    # A version submitted already (POST /standards/…/submit) just gets its case.
    if standards.get_version(session, standard_id, version).status != "under_review":
        standards.submit_for_review(session, standard_id, version)
    case = panels.open_case(session, kind="standard", subject=subject, panel_id=panel_id)
    audit.record(
        session, actor=actor, action="case.open", subject=subject, payload={"case": case.id}
    )
    return panels.case_public(session, case)


def open_recognition_case(
    session: Session, recognition_id: int, *, panel_id: int | None, actor: str
) -> CasePublic:
    """Put a recognition awaiting quality review before the review panel."""
    recognition = recognitions.get(session, recognition_id)
    if recognition.status != "pending_review":
        raise Conflict(f"recognition {recognition_id} is {recognition.status}, not pending_review")
    subject = f"recognition:{recognition_id}"
    _refuse_open_duplicate(session, subject)
    achievement = session.get(Achievement, recognition.achievement_id)
    case = panels.open_case(
        session,
        kind="review",
        subject=subject,
        panel_id=panel_id,
        institution_id=achievement.institution_id if achievement else None,
    )
    audit.record(
        session, actor=actor, action="case.open", subject=subject, payload={"case": case.id}
    )
    return panels.case_public(session, case)


def _carry_out(session: Session, case: CommitteeCase, *, actor: str, now: datetime) -> None:
    kind, _, ref = case.subject.partition(":")
    if case.kind == "standard":
        standard_id, _, version = ref.rpartition("@")
        if case.status == "approve":
            standards.mark_approved(session, standard_id, int(version), approved_at=now)
    elif case.kind == "review":
        if case.status == "approve":
            recognitions.approve(session, int(ref), decided_by=f"committee case {case.id}")
        else:
            recognitions.reject(
                session, int(ref), reason=f"rejected by the committee (case {case.id})"
            )
    else:
        disputes.apply_outcome(session, case, actor=actor, now=now)
    audit.record(
        session,
        actor=actor,
        action=f"case.{case.status}",
        subject=case.subject,
        payload={"case": case.id, "kind": kind, "half_credits": case.outcome_half_credits},
    )


def vote(
    session: Session,
    case_id: int,
    member: CommitteeMember,
    data: VoteCreate,
    *,
    now: datetime | None = None,
) -> CasePublic:
    """Cast ``member``'s vote on the case; carry the outcome out when it settles the case."""
    moment = now or utcnow()
    case = panels.lock_case(session, case_id)
    actor = f"committee:{member.id}"
    outcome = panels.cast_vote(session, case, member, data, now=moment)
    audit.record(
        session,
        actor=actor,
        action="case.vote",
        subject=case.subject,
        payload={"case": case_id, **data.model_dump(mode="json")},
    )
    if outcome is not None:
        _carry_out(session, case, actor=actor, now=moment)
    return panels.case_public(session, case, now=moment)
