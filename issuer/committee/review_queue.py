"""The reviewer's queue: recognitions held for review, scoped to the reviewer's centre.

A recognition belongs to the centre its achievement's institution is attached to; an
institution attached to no unit belongs to the provincial centre, whose reviewers see the
whole province anyway. A learner's own application is recorded under the intake
institution of the centre the learner applied to
(:mod:`issuer.conversion.learner_applications`), so it reaches that centre's queue.
Every decision is audited with the staff member as the actor:

- approve: a recognition that :func:`issuer.committee.reviews.needs_committee` (work
  experience), or one already before the committee, is *forwarded* — its quality-review
  case is opened when none is open yet — and nothing is deposited; any other is approved
  and deposited (``recognitions.approve``), so the learner sees the credits at once;
- reject, with a reason (required): nothing is deposited, the caps are released;
- ask for more material, with what is missing (required): status ``more_material``, which
  the learner's portal shows with the reviewer's words; the recognition stays open.

A recognition before the committee can only be forwarded, not rejected or sent back by a
reviewer (``conflict``): the committee's vote decides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session, col, func, select

from issuer.committee import reviews
from issuer.conversion import recognitions
from issuer.core import audit
from issuer.core.errors import Conflict, InvalidRequest, OutOfScope
from issuer.models import (
    Achievement,
    CommitteeCase,
    Institution,
    OrgUnit,
    Recognition,
    StaffAccount,
)
from issuer.staff.scope import Scope

__all__ = [
    "ReviewItem",
    "approve",
    "centre_of",
    "count",
    "item",
    "queue",
    "reject",
    "request_material",
]

Outcome = Literal["deposited", "forwarded"]
#: The longest reason a reviewer may give (the recognition keeps 1000 characters).
MAX_REASON = 1000


@dataclass(frozen=True)
class ReviewItem:
    """One recognition in a queue, with what a reviewer needs to decide it."""

    recognition: Recognition
    achievement: Achievement
    institution: Institution | None
    centre_id: int | None
    case: CommitteeCase | None

    @property
    def needs_committee(self) -> bool:
        return self.case is not None or reviews.needs_committee(self.recognition)


def _province(session: Session) -> int | None:
    return session.exec(select(OrgUnit.id).where(col(OrgUnit.level) == "province")).first()


def centre_of(session: Session, institution: Institution | None) -> int | None:
    """The centre whose reviewers decide the recognitions of ``institution``'s achievements."""
    if institution is not None and institution.centre_id is not None:
        return institution.centre_id
    return _province(session)


def _open_case(session: Session, recognition_id: int) -> CommitteeCase | None:
    return session.exec(
        select(CommitteeCase).where(
            col(CommitteeCase.subject) == f"recognition:{recognition_id}",
            col(CommitteeCase.status) == "open",
        )
    ).first()


def _item(session: Session, row: Recognition) -> ReviewItem:
    achievement = session.get(Achievement, row.achievement_id)
    assert achievement is not None and row.id is not None
    institution = session.get(Institution, achievement.institution_id)
    return ReviewItem(
        recognition=row,
        achievement=achievement,
        institution=institution,
        centre_id=centre_of(session, institution),
        case=_open_case(session, row.id),
    )


def _in_scope(scope: Scope, centre_id: int | None) -> bool:
    return scope.everything or (centre_id is not None and centre_id in scope.centre_ids)


def queue(session: Session, scope: Scope, *, limit: int = 100, offset: int = 0) -> list[ReviewItem]:
    """The open recognitions (oldest first) of the centres in ``scope``."""
    statement = _open_in_scope(session, scope, select(Recognition))
    if statement is None:
        return []
    statement = statement.order_by(col(Recognition.id)).offset(offset).limit(limit)
    return [_item(session, row) for row in session.exec(statement)]


def count(session: Session, scope: Scope) -> int:
    """How many open recognitions the centres in ``scope`` have."""
    statement = _open_in_scope(session, scope, select(func.count()).select_from(Recognition))
    return 0 if statement is None else session.exec(statement).one()


def _open_in_scope(session: Session, scope: Scope, statement: Any) -> Any:
    """``statement`` narrowed to the open recognitions of ``scope`` (``None``: none can be)."""
    if not scope.everything and not scope.centre_ids:
        return None
    statement = statement.where(col(Recognition.status).in_(recognitions.OPEN_STATUSES))
    if not scope.everything:
        province = _province(session)
        institutions = select(Institution.id).where(
            col(Institution.centre_id).in_(scope.centre_ids)
        )
        if province in scope.centre_ids:
            unattached = select(Institution.id).where(col(Institution.centre_id).is_(None))
            institutions = institutions.union(unattached)  # type: ignore[assignment]
        achievements = select(Achievement.id).where(
            col(Achievement.institution_id).in_(institutions)
        )
        statement = statement.where(col(Recognition.achievement_id).in_(achievements))
    return statement


def item(session: Session, scope: Scope, recognition_id: int) -> ReviewItem:
    """One recognition of the queue; ``out_of_scope`` when it is another centre's."""
    found = _item(session, recognitions.get(session, recognition_id))
    if not _in_scope(scope, found.centre_id):
        raise OutOfScope(f"recognition {recognition_id} is outside your scope")
    return found


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise InvalidRequest("a reason is required")
    if len(reason) > MAX_REASON:
        raise InvalidRequest(f"the reason is longer than {MAX_REASON} characters")
    return reason


def _actor(staff: StaffAccount) -> str:
    return f"staff:{staff.id}"


def _record(
    session: Session, staff: StaffAccount, action: str, found: ReviewItem, reason: str | None
) -> None:
    row = found.recognition
    audit.record(
        session,
        actor=_actor(staff),
        action=f"review.{action}",
        subject=f"recognition:{row.id}",
        payload={"recognition": row.id, "half_credits": row.half_credits, "reason": reason},
        summary=f"reviewer {action}: recognition {row.id}",
        reason=reason,
        details={"centre": found.centre_id, "kind": row.kind},
    )


def approve(
    session: Session, staff: StaffAccount, scope: Scope, recognition_id: int
) -> tuple[Outcome, ReviewItem]:
    """Approve: deposit, or forward to the committee when it must decide (see module)."""
    found = item(session, scope, recognition_id)
    if found.needs_committee:
        if found.recognition.status != "pending_review":
            raise Conflict(f"recognition {recognition_id} is {found.recognition.status}")
        if found.case is None:
            reviews.open_recognition_case(
                session, recognition_id, panel_id=None, actor=_actor(staff)
            )
        _record(session, staff, "forward", found, None)
        return "forwarded", item(session, scope, recognition_id)
    recognitions.approve(session, recognition_id, decided_by=_actor(staff))
    _record(session, staff, "approve", found, None)
    return "deposited", found


def _not_before_committee(found: ReviewItem) -> None:
    if found.case is not None:
        raise Conflict(
            f"recognition {found.recognition.id} is before the committee (case {found.case.id})"
        )


def reject(
    session: Session, staff: StaffAccount, scope: Scope, recognition_id: int, reason: str
) -> ReviewItem:
    """Reject with a reason: nothing is deposited and the caps are released."""
    found = item(session, scope, recognition_id)
    why = _reason(reason)
    _not_before_committee(found)
    recognitions.reject(session, recognition_id, reason=why, decided_by=_actor(staff))
    _record(session, staff, "reject", found, why)
    return found


def request_material(
    session: Session, staff: StaffAccount, scope: Scope, recognition_id: int, reason: str
) -> ReviewItem:
    """Ask the learner for more material (what is missing: ``reason``)."""
    found = item(session, scope, recognition_id)
    why = _reason(reason)
    _not_before_committee(found)
    recognitions.request_material(session, recognition_id, reason=why)
    _record(session, staff, "more_material", found, why)
    return found
