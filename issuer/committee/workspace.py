"""A committee member's workspace: their cases, what each is about, and their vote.

A member signs in to the console with a staff account of role ``committee`` linked to
their :class:`~issuer.models.CommitteeMember` (``committee_member.staff_id``). They see the
cases of the panels they sit on — open ones first, with the deadline, the evidence and
whether they have a conflict of interest (:func:`issuer.committee.panels.has_conflict`) —
and vote through :func:`issuer.committee.reviews.vote`, the API's own function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from issuer.committee import panels
from issuer.conversion import recognitions, standard_review, standards
from issuer.core.errors import Forbidden, OutOfScope
from issuer.models import (
    Achievement,
    CommitteeCase,
    CommitteeMember,
    Dispute,
    Institution,
    LedgerEntry,
    PanelMember,
    StaffAccount,
    Vote,
)

__all__ = ["CaseView", "case_view", "member_of", "my_cases"]


@dataclass(frozen=True)
class CaseView:
    """One case as a member sees it."""

    case: CommitteeCase
    conflict: bool
    my_vote: Vote | None
    votes: list[Vote]
    #: What the case is about: ``recognition``/``achievement``/``institution`` (review),
    #: ``dispute``/``entry`` (dispute), ``standard``/``diff`` (standard approval).
    evidence: dict[str, Any]


def member_of(session: Session, staff: StaffAccount) -> CommitteeMember:
    """The committee member the staff account signs in as; ``forbidden`` without one."""
    member = session.exec(
        select(CommitteeMember).where(col(CommitteeMember.staff_id) == staff.id)
    ).first()
    if member is None:
        raise Forbidden("this account is not linked to a committee member")
    return member


def _panels(session: Session, member: CommitteeMember) -> list[int]:
    return list(
        session.exec(select(PanelMember.panel_id).where(col(PanelMember.member_id) == member.id))
    )


def _votes(session: Session, case_id: int) -> list[Vote]:
    return list(
        session.exec(select(Vote).where(col(Vote.case_id) == case_id).order_by(col(Vote.cast_at)))
    )


def _evidence(session: Session, case: CommitteeCase, today: date) -> dict[str, Any]:
    kind, _, ref = case.subject.partition(":")
    if kind == "recognition":
        recognition = recognitions.get(session, int(ref))
        achievement = session.get(Achievement, recognition.achievement_id)
        institution = session.get(Institution, case.institution_id) if case.institution_id else None
        return {"recognition": recognition, "achievement": achievement, "institution": institution}
    if kind == "standard":
        standard_id, _, version = ref.rpartition("@")
        row = standards.get_version(session, standard_id, int(version))
        found = standard_review.diff(session, standard_id, int(version), against=None, today=today)
        return {"standard": row, "diff": found}
    dispute = session.exec(select(Dispute).where(col(Dispute.case_id) == case.id)).first()
    entry = session.get(LedgerEntry, dispute.ledger_entry_id) if dispute else None
    return {"dispute": dispute, "entry": entry}


def _view(
    session: Session, member: CommitteeMember, case: CommitteeCase, today: date, full: bool
) -> CaseView:
    assert case.id is not None
    votes = _votes(session, case.id)
    return CaseView(
        case=case,
        conflict=panels.has_conflict(case, member),
        my_vote=next((v for v in votes if v.member_id == member.id), None),
        votes=votes,
        evidence=_evidence(session, case, today) if full else {},
    )


def my_cases(
    session: Session, member: CommitteeMember, *, today: date, limit: int = 100
) -> list[CaseView]:
    """The cases of the member's panels: open ones by deadline, then the decided, newest first."""
    panel_ids = _panels(session, member)
    if not panel_ids:
        return []
    base = select(CommitteeCase).where(col(CommitteeCase.panel_id).in_(panel_ids))
    open_cases = session.exec(
        base.where(col(CommitteeCase.status) == "open").order_by(col(CommitteeCase.due_at))
    ).all()
    decided = session.exec(
        base.where(col(CommitteeCase.status) != "open")
        .order_by(col(CommitteeCase.decided_at).desc())
        .limit(limit)
    ).all()
    return [_view(session, member, c, today, False) for c in [*open_cases, *decided][:limit]]


def case_view(session: Session, member: CommitteeMember, case_id: int, *, today: date) -> CaseView:
    """One case of the member's panels with its evidence; ``out_of_scope`` for others."""
    case = panels.get_case(session, case_id)
    if case.panel_id not in _panels(session, member):
        raise OutOfScope(f"case {case_id} is not before a panel you sit on")
    return _view(session, member, case, today, True)
