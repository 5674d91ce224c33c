"""Committee workflows on standards and recognitions, and the vote that settles any case.

- Standard approval: :func:`open_standard_case` puts a draft version under review
  (``standards.submit_for_review``, unless it was submitted already); an ``approve``
  outcome calls ``standards.approve_and_schedule`` (effective on its ``effective_from``
  date, superseding the version before it); a ``reject`` outcome returns the version to
  draft with the rejecting members' comments as its ``review_notes``
  (``standards.return_to_draft``), to be amended and submitted again.
- Quality review: :func:`open_recognition_case` puts a ``pending_review`` recognition to the
  review panel — by hand, or automatically when it is recorded (:func:`open_pending_reviews`);
  ``approve`` calls ``recognitions.approve`` (which deposits), ``reject`` calls
  ``recognitions.reject``. Members affiliated with the achievement's institution may not vote.
  Only work-experience claims need the committee (:func:`needs_committee`); the other
  recognitions held for review (above the threshold) are decided by a reviewer of the
  achievement's centre in the console (:mod:`issuer.committee.review_queue`).
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
from issuer.models import (
    Achievement,
    CommitteeCase,
    CommitteeMember,
    Panel,
    Recognition,
    Vote,
    utcnow,
)
from issuer.models.committee import CasePublic, VoteCreate

__all__ = [
    "needs_committee",
    "open_pending_reviews",
    "open_recognition_case",
    "open_standard_case",
    "vote",
]

#: The achievement kinds whose held recognitions the committee decides, not a reviewer.
COMMITTEE_KINDS = ("work_experience",)


def needs_committee(recognition: Recognition) -> bool:
    """Whether the committee, rather than a centre's reviewer, decides this recognition."""
    return recognition.kind in COMMITTEE_KINDS


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


def _reasons(session: Session, case: CommitteeCase) -> str:
    """The comments of the votes that carried a rejection, one per line."""
    votes = session.exec(
        select(Vote)
        .where(col(Vote.case_id) == case.id, col(Vote.choice) == "reject")
        .order_by(col(Vote.cast_at))
    )
    lines = [f"committee:{v.member_id}: {v.comment}" for v in votes if v.comment]
    return "\n".join(lines) or f"rejected by the committee (case {case.id})"


def _carry_out(session: Session, case: CommitteeCase, *, actor: str, now: datetime) -> None:
    kind, _, ref = case.subject.partition(":")
    reason: str | None = None
    if case.kind == "standard":
        standard_id, _, version = ref.rpartition("@")
        if case.status == "approve":
            standards.approve_and_schedule(session, standard_id, int(version), approved_at=now)
        else:
            reason = _reasons(session, case)
            standards.return_to_draft(session, standard_id, int(version), reasons=reason)
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
        summary=f"{case.kind} case {case.id} decided: {case.status}",
        reason=reason,
        case=f"case:{case.id}",
        details={"kind": case.kind, "outcome": case.status},
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


def open_pending_reviews(
    session: Session, *, actor: str, achievement_ids: list[int] | None = None
) -> list[CasePublic]:
    """Open the quality-review case of each recognition that needs the committee.

    Called where recognitions are recorded, in the same transaction (``achievement_ids``:
    the achievements just recorded; ``None``: every waiting recognition, as after a CSV
    import). A recognition held for review that :func:`needs_committee` — every
    work-experience claim — goes to the newest review panel at once; the others (above
    ``Settings.review_threshold_half_credits``) wait in their centre's review queue.
    While no review panel has been formed, recognitions stay ``pending_review`` and their
    cases are opened by a later call or by the operator
    (``POST /committee/recognitions/{id}/review``). Decisions of zero credits, including
    ``no-rule`` ones, are final without the committee: the learner may dispute them.
    """
    if achievement_ids is not None and not achievement_ids:
        return []
    has_panel = session.exec(select(Panel.id).where(col(Panel.purpose) == "review")).first()
    if has_panel is None:
        return []
    statement = select(Recognition.id).where(
        col(Recognition.status) == "pending_review",
        col(Recognition.kind).in_(COMMITTEE_KINDS),
    )
    if achievement_ids is not None:
        statement = statement.where(col(Recognition.achievement_id).in_(achievement_ids))
    opened = {
        case.subject
        for case in session.exec(
            select(CommitteeCase).where(
                col(CommitteeCase.kind) == "review", col(CommitteeCase.status) == "open"
            )
        )
    }
    cases = []
    for recognition_id in session.exec(statement.order_by(col(Recognition.id))).all():
        if recognition_id is None or f"recognition:{recognition_id}" in opened:
            continue
        try:
            # A concurrent caller (another import) may open the same case first: its
            # case stands, and this one goes on with the next recognition.
            with session.begin_nested():
                cases.append(
                    open_recognition_case(session, recognition_id, panel_id=None, actor=actor)
                )
        except Conflict:
            continue
    return cases
