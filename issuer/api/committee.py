"""The expert committee: members, panels, cases and votes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from issuer.api import idempotency
from issuer.api.deps import SessionDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import AdminDep, AdminOrCommitteeDep, CommitteeDep
from issuer.committee import panels, reviews
from issuer.core import audit
from issuer.core.errors import ConflictOfInterest, NotFound, StandardContradiction
from issuer.models import Panel
from issuer.models.committee import (
    CaseOpen,
    CasePublic,
    MemberCreate,
    MemberCreated,
    MemberPublic,
    PanelCreate,
    PanelPublic,
    VoteCreate,
)
from issuer.models.input import PositiveInt4, RowId

router = APIRouter(tags=["committee"])


@router.post("/committee/members", status_code=status.HTTP_201_CREATED)
def create_member(data: MemberCreate, session: SessionDep, admin: AdminDep) -> MemberCreated:
    """Appoint a committee member. Their bearer token (``cbc_…``) is in this response only."""
    created = panels.create_member(session, data)
    audit.record(
        session,
        actor=admin.actor,
        action="member.create",
        subject=f"member:{created.id}",
        payload=data.model_dump(mode="json"),
    )
    return created


@router.get("/committee/members")
def list_members(
    session: SessionDep, page: PageDep, _caller: AdminOrCommitteeDep
) -> Page[MemberPublic]:
    """Committee members, in order of appointment."""
    items, total = panels.list_members(session, limit=page.limit, offset=page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/committee/panels", status_code=status.HTTP_201_CREATED)
def create_panel(data: PanelCreate, session: SessionDep, admin: AdminDep) -> PanelPublic:
    """Form a panel with its quorum rule (defaults: 3 voters, 2/3, an industry/enterprise voter).

    New cases go to the newest panel of the matching purpose unless one is named.
    """
    panel = panels.create_panel(session, data)
    audit.record(
        session,
        actor=admin.actor,
        action="panel.create",
        subject=f"panel:{panel.id}",
        payload=data.model_dump(mode="json"),
    )
    return panel


@router.get("/committee/panels/{panel_id}")
def get_panel(panel_id: RowId, session: SessionDep, _caller: AdminOrCommitteeDep) -> PanelPublic:
    """One panel with its members and quorum rule."""
    panel = session.get(Panel, panel_id)
    if panel is None:
        raise NotFound(f"panel {panel_id} does not exist")
    return panels.panel_public(session, panel)


@router.post(
    "/committee/standards/{standard_id}/versions/{version}/review",
    status_code=status.HTTP_201_CREATED,
)
def open_standard_review(
    standard_id: str, version: PositiveInt4, data: CaseOpen, session: SessionDep, admin: AdminDep
) -> CasePublic:
    """Submit a draft standard version for committee approval (it becomes ``under_review``);
    a draft whose rules contradict each other is ``standard_contradiction`` (audited)."""
    with audit.refusals_recorded(
        session,
        StandardContradiction,
        actor=admin.actor,
        action="standard.refused",
        subject=f"standard:{standard_id[:32]}@{version}",
    ):
        return reviews.open_standard_case(
            session, standard_id, version, panel_id=data.panel_id, actor=admin.actor
        )


@router.post("/committee/recognitions/{recognition_id}/review", status_code=status.HTTP_201_CREATED)
def open_recognition_review(
    recognition_id: RowId, data: CaseOpen, session: SessionDep, admin: AdminDep
) -> CasePublic:
    """Put a recognition awaiting quality review (``pending_review``) before the review panel."""
    return reviews.open_recognition_case(
        session, recognition_id, panel_id=data.panel_id, actor=admin.actor
    )


@router.get("/committee/cases")
def list_cases(
    session: SessionDep,
    page: PageDep,
    _caller: AdminOrCommitteeDep,
    case_status: Annotated[str | None, Query(alias="status")] = None,
    overdue: bool | None = None,
) -> Page[CasePublic]:
    """Cases, oldest first; ``?status=open`` and ``?overdue=true`` filter them."""
    items, total = panels.list_cases(
        session, status=case_status, overdue=overdue, limit=page.limit, offset=page.offset
    )
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/committee/cases/{case_id}")
def get_case(case_id: RowId, session: SessionDep, _caller: AdminOrCommitteeDep) -> CasePublic:
    """One case with its votes, outcome and deadline."""
    return panels.case_public(session, panels.get_case(session, case_id))


@router.post("/committee/cases/{case_id}/votes", status_code=status.HTTP_201_CREATED)
def cast_vote(
    case_id: RowId,
    data: VoteCreate,
    request: Request,
    session: SessionDep,
    member: CommitteeDep,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> CasePublic:
    """Vote on a case as a member of its panel.

    The vote that reaches quorum carries the outcome out: a standard version is approved,
    a recognition approved (credits deposited) or rejected, a dispute's credits corrected
    and the affected credentials revoked. Members affiliated with the institution the
    case concerns get ``conflict_of_interest`` (409; the attempt is audited as
    ``case.refused.conflict_of_interest``, nothing else kept). Supports ``Idempotency-Key``.
    """
    with audit.refusals_recorded(
        session,
        ConflictOfInterest,
        actor=f"committee:{member.id}",
        action="case.refused",
        subject=f"case:{case_id}",
    ):
        return idempotency.run(
            session,
            key=idempotency_key,
            scope=f"committee:{member.id} POST {request.url.path}",
            request=data.model_dump(mode="json"),
            model=CasePublic,
            produce=lambda: reviews.vote(session, case_id, member, data),
        )
