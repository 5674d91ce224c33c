"""The expert committee: members, panels, cases and votes, and the quorum rule.

A *case* is one question put to one panel: approve a standard version (``standard``),
approve a recognition awaiting quality review (``review``), or arbitrate a dispute
(``dispute``). Members of the panel vote; after each vote :func:`tally` decides whether
the case is settled. The workflows (:mod:`issuer.committee.reviews`,
:mod:`issuer.committee.disputes`) act on the outcome.

Quorum (per panel, defaults in brackets): at least ``min_voters`` [3] votes, at least one
industry or enterprise member among the voters [required], and one choice holding at least
``approve_num/approve_den`` [2/3] of the votes. A member affiliated with the institution a
case concerns may not vote on it (``conflict_of_interest``).
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from issuer.core.errors import (
    AlreadyVoted,
    CaseClosed,
    Conflict,
    ConflictOfInterest,
    Forbidden,
    InvalidRequest,
    NotFound,
)
from issuer.core.security import MEMBER_TOKEN_PREFIX, api_key_hash
from issuer.models import (
    CommitteeCase,
    CommitteeMember,
    Institution,
    Panel,
    PanelMember,
    StaffAccount,
    Vote,
    utcnow,
)
from issuer.models.committee import (
    CaseKind,
    CasePublic,
    MemberCreate,
    MemberCreated,
    MemberPublic,
    PanelCreate,
    PanelPublic,
    PanelPurpose,
    VoteCreate,
    VotePublic,
)

__all__ = [
    "CHOICES",
    "case_public",
    "cast_vote",
    "create_member",
    "create_panel",
    "get_case",
    "has_conflict",
    "link_staff",
    "list_cases",
    "list_members",
    "lock_case",
    "open_case",
    "panel_public",
    "tally",
]

CHOICES: dict[str, tuple[str, ...]] = {
    "standard": ("approve", "reject"),
    "review": ("approve", "reject"),
    "dispute": ("upheld", "modified", "rejected"),
}
_PURPOSE: dict[str, PanelPurpose] = {
    "standard": "standards",
    "review": "review",
    "dispute": "disputes",
}


def create_member(session: Session, data: MemberCreate) -> MemberCreated:
    """Appoint a member and mint their token (returned only here, stored as SHA-256)."""
    affiliated = data.affiliation_institution_id
    if affiliated is not None and session.get(Institution, affiliated) is None:
        raise NotFound(f"institution {data.affiliation_institution_id} does not exist")
    if data.staff_id is not None:
        _check_staff(session, data.staff_id)
    token = MEMBER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    member = CommitteeMember.model_validate(data, update={"token_hash": api_key_hash(token)})
    session.add(member)
    session.flush()
    return MemberCreated.model_validate(member, update={"token": token})


def _check_staff(session: Session, staff_id: int) -> None:
    staff = session.get(StaffAccount, staff_id)
    if staff is None or staff.role != "committee":
        raise InvalidRequest(f"staff account {staff_id} is not of role committee")
    if session.exec(
        select(CommitteeMember.id).where(col(CommitteeMember.staff_id) == staff_id)
    ).first():
        raise Conflict(f"staff account {staff_id} is another member's already")


def link_staff(session: Session, member_id: int, staff_id: int) -> MemberPublic:
    """Let the staff account ``staff_id`` (role committee) sign in as member ``member_id``."""
    member = session.get(CommitteeMember, member_id)
    if member is None:
        raise NotFound(f"committee member {member_id} does not exist")
    if member.staff_id is not None:
        raise Conflict(f"committee member {member_id} has a staff account already")
    _check_staff(session, staff_id)
    member.staff_id = staff_id
    session.add(member)
    session.flush()
    return MemberPublic.model_validate(member)


def list_members(session: Session, *, limit: int, offset: int) -> tuple[list[MemberPublic], int]:
    """Members in order of appointment, and their total."""
    total = session.exec(select(func.count()).select_from(CommitteeMember)).one()
    rows = session.exec(
        select(CommitteeMember).order_by(col(CommitteeMember.id)).offset(offset).limit(limit)
    )
    return [MemberPublic.model_validate(row) for row in rows], total


def panel_public(session: Session, panel: Panel) -> PanelPublic:
    """The API form of a panel, with its member ids."""
    ids = session.exec(
        select(PanelMember.member_id)
        .where(col(PanelMember.panel_id) == panel.id)
        .order_by(col(PanelMember.member_id))
    )
    return PanelPublic.model_validate(panel, update={"member_ids": list(ids)})


def create_panel(session: Session, data: PanelCreate) -> PanelPublic:
    """Form a panel of existing members with its quorum rule."""
    if data.approve_num > data.approve_den:
        raise InvalidRequest("approve_num must not exceed approve_den")
    member_ids = sorted(set(data.member_ids))
    for member_id in member_ids:
        if session.get(CommitteeMember, member_id) is None:
            raise NotFound(f"committee member {member_id} does not exist")
    panel = Panel.model_validate(data.model_dump(exclude={"member_ids"}))
    session.add(panel)
    session.flush()
    assert panel.id is not None
    for member_id in member_ids:
        session.add(PanelMember(panel_id=panel.id, member_id=member_id))
    session.flush()
    return panel_public(session, panel)


def _panel_for(session: Session, panel_id: int | None, kind: CaseKind) -> Panel:
    purpose = _PURPOSE[kind]
    if panel_id is not None:
        panel = session.get(Panel, panel_id)
        if panel is None:
            raise NotFound(f"panel {panel_id} does not exist")
        if panel.purpose != purpose:
            raise InvalidRequest(f"panel {panel_id} is for {panel.purpose}, not {purpose}")
        return panel
    newest = session.exec(
        select(Panel).where(col(Panel.purpose) == purpose).order_by(col(Panel.id).desc())
    ).first()
    if newest is None:
        raise Conflict(f"no committee panel for {purpose} has been formed yet")
    return newest


def open_case(
    session: Session,
    *,
    kind: CaseKind,
    subject: str,
    panel_id: int | None = None,
    institution_id: int | None = None,
    now: datetime | None = None,
) -> CommitteeCase:
    """Put a question to a panel; its deadline is ``decision_days`` from now."""
    opened = now or utcnow()
    panel = _panel_for(session, panel_id, kind)
    assert panel.id is not None
    case = CommitteeCase(
        panel_id=panel.id,
        kind=kind,
        subject=subject,
        institution_id=institution_id,
        opened_at=opened,
        due_at=opened + timedelta(days=panel.decision_days),
    )
    session.add(case)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request opened a case on the same subject
        raise Conflict(f"a case on {subject} is already open") from exc
    return case


def get_case(session: Session, case_id: int) -> CommitteeCase:
    """The case, or :class:`NotFound`."""
    case = session.get(CommitteeCase, case_id)
    if case is None:
        raise NotFound(f"committee case {case_id} does not exist")
    return case


def lock_case(session: Session, case_id: int) -> CommitteeCase:
    """The case, locked until the transaction ends, so concurrent votes on it queue.

    A vote counts the votes before it; without the lock two last votes could each miss
    the other and leave the case undecided, or both carry its outcome out. SQLite has no
    row locks: a no-op UPDATE takes the database write lock instead.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(CommitteeCase)
            .where(col(CommitteeCase.id) == case_id)
            .values(id=col(CommitteeCase.id))
        )
    case = session.exec(
        select(CommitteeCase)
        .where(col(CommitteeCase.id) == case_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()
    if case is None:
        raise NotFound(f"committee case {case_id} does not exist")
    return case


def _votes(session: Session, case_id: int) -> list[Vote]:
    statement = select(Vote).where(col(Vote.case_id) == case_id).order_by(col(Vote.cast_at))
    return list(session.exec(statement))


def case_public(
    session: Session, case: CommitteeCase, *, now: datetime | None = None
) -> CasePublic:
    """The API form of a case with its votes and whether it is overdue."""
    assert case.id is not None
    overdue = case.status == "open" and (now or utcnow()) > case.due_at
    return CasePublic.model_validate(
        case,
        update={
            "overdue": overdue,
            "votes": [VotePublic.model_validate(v) for v in _votes(session, case.id)],
        },
    )


def list_cases(
    session: Session,
    *,
    status: str | None,
    overdue: bool | None,
    limit: int,
    offset: int,
    now: datetime | None = None,
) -> tuple[list[CasePublic], int]:
    """Cases, oldest first, filtered by status and by being overdue; and their total."""
    moment = now or utcnow()
    query = select(CommitteeCase)
    if status is not None:
        query = query.where(col(CommitteeCase.status) == status)
    if overdue is True:
        query = query.where(col(CommitteeCase.status) == "open", col(CommitteeCase.due_at) < moment)
    elif overdue is False:
        query = query.where(
            (col(CommitteeCase.status) != "open") | (col(CommitteeCase.due_at) >= moment)
        )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(CommitteeCase.id)).offset(offset).limit(limit))
    return [case_public(session, row, now=moment) for row in rows], total


def tally(panel: Panel, votes: list[tuple[str, str]]) -> str | None:
    """The settled choice for ``(choice, member category)`` votes under the panel's rule."""
    if len(votes) < panel.min_voters:
        return None
    if panel.require_industry and not any(cat in ("industry", "enterprise") for _, cat in votes):
        return None
    choice, count = Counter(choice for choice, _ in votes).most_common(1)[0]
    # count/len >= num/den, in integers.
    if count * panel.approve_den >= panel.approve_num * len(votes):
        return choice
    return None


def has_conflict(case: CommitteeCase, member: CommitteeMember) -> bool:
    """Whether ``member`` is affiliated with the institution ``case`` concerns."""
    return (
        case.institution_id is not None and member.affiliation_institution_id == case.institution_id
    )


def cast_vote(
    session: Session,
    case: CommitteeCase,
    member: CommitteeMember,
    data: VoteCreate,
    *,
    now: datetime | None = None,
) -> str | None:
    """Record ``member``'s vote; return the outcome when this vote settles the case.

    The case's ``status`` becomes the outcome; the workflow acts on it.
    """
    assert case.id is not None and member.id is not None
    if case.status != "open":
        raise CaseClosed(f"case {case.id} was decided: {case.status}")
    on_panel = session.get(PanelMember, (case.panel_id, member.id))
    if on_panel is None:
        raise Forbidden(f"member {member.id} does not sit on panel {case.panel_id}")
    if has_conflict(case, member):
        raise ConflictOfInterest(
            f"member {member.id} is affiliated with institution {case.institution_id}, "
            "which this case concerns"
        )
    if data.choice not in CHOICES[case.kind]:
        raise InvalidRequest(f"a {case.kind} case takes one of {', '.join(CHOICES[case.kind])}")
    if (data.choice == "modified") != (data.half_credits is not None):
        raise InvalidRequest("half_credits is given with the choice 'modified', and only then")
    if session.get(Vote, (case.id, member.id)) is not None:
        raise AlreadyVoted(f"member {member.id} has already voted on case {case.id}")
    session.add(
        Vote(case_id=case.id, member_id=member.id, cast_at=now or utcnow(), **data.model_dump())
    )
    session.flush()
    votes = _votes(session, case.id)
    categories = {
        m.id: m.category
        for m in session.exec(
            select(CommitteeMember).where(col(CommitteeMember.id).in_([v.member_id for v in votes]))
        )
    }
    panel = session.get(Panel, case.panel_id)
    assert panel is not None
    outcome = tally(panel, [(v.choice, categories[v.member_id]) for v in votes])
    if outcome is None:
        return None
    if outcome == "modified":
        # Members proposing a modification may differ on the amount: the lower median wins,
        # so no single member can push the result up.
        amounts = sorted(v.half_credits for v in votes if v.half_credits is not None)
        case.outcome_half_credits = amounts[(len(amounts) - 1) // 2]
    case.status = outcome
    case.decided_at = now or utcnow()
    session.add(case)
    session.flush()
    return outcome
