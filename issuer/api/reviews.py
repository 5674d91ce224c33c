"""The reviewers' queue over the API: what their console pages do, for staff tokens.

A reviewer or centre manager (``POST /auth/staff-token``) lists the open recognitions of
their centre, reads one with its evidence fields and the engine's proposal, and approves,
rejects with a reason or asks for more material: the same domain calls
(:mod:`issuer.committee.review_queue`), scope and audit trail as the console. A request
about another centre's recognition is ``out_of_scope`` (403) and is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from issuer.api.deps import SessionDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import StaffDep
from issuer.committee import review_queue
from issuer.committee.review_queue import ReviewItem
from issuer.core import audit
from issuer.core.errors import Forbidden, OutOfScope
from issuer.models import StaffAccount
from issuer.models.input import RequestModel, RowId
from issuer.models.recognitions import RecognitionPublic
from issuer.staff.scope import Scope, scope_of

router = APIRouter(tags=["reviews"])
T = TypeVar("T")

_REVIEWER_ROLES = ("reviewer", "centre_manager")


def _reviewer(staff: StaffDep) -> StaffAccount:
    if staff.role not in _REVIEWER_ROLES:
        raise Forbidden("this operation is for reviewers and centre managers")
    return staff


ReviewerDep = Annotated[StaffAccount, Depends(_reviewer)]


class ReviewPublic(BaseModel):
    """One recognition of the queue, with what a reviewer decides it on."""

    recognition: RecognitionPublic
    achievement_kind: str
    achievement_title: str
    evidence: dict[str, Any] = Field(description="The achievement's evidence fields.")
    institution: str | None = Field(description="The recording institution's code.")
    centre_id: int | None
    needs_committee: bool = Field(
        description="Work experience, or already before the committee: approving forwards it."
    )
    case_id: int | None = Field(description="The open quality-review case, if any.")


class ReasonBody(RequestModel):
    reason: str = Field(min_length=1, max_length=review_queue.MAX_REASON)


class Decision(BaseModel):
    outcome: Literal["deposited", "forwarded", "rejected", "more_material"]
    review: ReviewPublic


def _public(found: ReviewItem) -> ReviewPublic:
    achievement = found.achievement
    return ReviewPublic(
        recognition=RecognitionPublic.of(found.recognition),
        achievement_kind=achievement.kind,
        achievement_title=achievement.title,
        evidence=dict(achievement.evidence),
        institution=found.institution.code if found.institution is not None else None,
        centre_id=found.centre_id,
        needs_committee=found.needs_committee,
        case_id=found.case.id if found.case is not None else None,
    )


def _in_scope(
    session: SessionDep, staff: StaffAccount, recognition_id: int, work: Callable[[Scope], T]
) -> T:
    """Run ``work`` with the reviewer's scope; a refusal is audited, nothing else kept."""
    try:
        return work(scope_of(session, staff))
    except OutOfScope as exc:
        audit.record_refusal(
            session,
            actor=f"staff:{staff.id}",
            action="review.refused.out_of_scope",
            subject=f"recognition:{recognition_id}",
            payload={"detail": exc.detail},
            summary=f"refused: recognition {recognition_id} is outside the reviewer's centre",
        )
        raise


@router.get("/reviews")
def list_reviews(session: SessionDep, page: PageDep, staff: ReviewerDep) -> Page[ReviewPublic]:
    """The open recognitions of the reviewer's centre (and the units below it), oldest first."""
    scope = scope_of(session, staff)
    items = review_queue.queue(session, scope, limit=page.limit, offset=page.offset)
    total = review_queue.count(session, scope)
    return Page(
        items=[_public(i) for i in items], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/reviews/{recognition_id}")
def get_review(recognition_id: RowId, session: SessionDep, staff: ReviewerDep) -> ReviewPublic:
    """One recognition of the queue; another centre's is ``out_of_scope``."""
    found = _in_scope(
        session, staff, recognition_id, lambda s: review_queue.item(session, s, recognition_id)
    )
    return _public(found)


@router.post("/reviews/{recognition_id}/approve")
def approve_review(recognition_id: RowId, session: SessionDep, staff: ReviewerDep) -> Decision:
    """Approve: the credits are deposited, or the case goes to the committee when it must
    decide (work experience, or a case already open): ``outcome`` says which."""
    outcome, found = _in_scope(
        session,
        staff,
        recognition_id,
        lambda s: review_queue.approve(session, staff, s, recognition_id),
    )
    return Decision(outcome=outcome, review=_public(found))


@router.post("/reviews/{recognition_id}/reject")
def reject_review(
    recognition_id: RowId, body: ReasonBody, session: SessionDep, staff: ReviewerDep
) -> Decision:
    """Reject with a reason: nothing is deposited; one before the committee is ``conflict``."""
    found = _in_scope(
        session,
        staff,
        recognition_id,
        lambda s: review_queue.reject(session, staff, s, recognition_id, body.reason),
    )
    return Decision(outcome="rejected", review=_public(found))


@router.post("/reviews/{recognition_id}/more-material")
def request_more_material(
    recognition_id: RowId, body: ReasonBody, session: SessionDep, staff: ReviewerDep
) -> Decision:
    """Ask the learner for more material (``reason``: what is missing); the portal shows it."""
    found = _in_scope(
        session,
        staff,
        recognition_id,
        lambda s: review_queue.request_material(session, staff, s, recognition_id, body.reason),
    )
    return Decision(outcome="more_material", review=_public(found))
