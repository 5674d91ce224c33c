"""Disputes: learners contest decisions; the operator and the committee follow them."""

from __future__ import annotations

from fastapi import APIRouter, status

from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import AdminOrCommitteeDep, AdminOrSelfDep, PrincipalDep, SelfDep
from issuer.committee import disputes
from issuer.core.errors import Forbidden
from issuer.models.committee import DisputeCreate, DisputePublic
from issuer.models.input import RowId

router = APIRouter(tags=["disputes"])


@router.post("/learners/{learner_id}/disputes", status_code=status.HTTP_201_CREATED)
def file_dispute(
    learner_id: RowId,
    data: DisputeCreate,
    session: SessionDep,
    settings: SettingsDep,
    learner: SelfDep,
) -> DisputePublic:
    """File a dispute over a decision (a ledger entry) of one's own account, with grounds.

    Within ``dispute_window_days`` (30) of the decision, else ``dispute_window_closed``.
    Only the learner themself files; the panel has ``dispute_decision_days`` to decide.
    """
    return disputes.file_dispute(session, settings, learner, data)


@router.get("/learners/{learner_id}/disputes")
def list_learner_disputes(
    learner_id: RowId, session: SessionDep, page: PageDep, _caller: AdminOrSelfDep
) -> Page[DisputePublic]:
    """The learner's disputes, oldest first."""
    items, total = disputes.list_disputes(
        session, learner_id=learner_id, limit=page.limit, offset=page.offset
    )
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/disputes")
def list_disputes(
    session: SessionDep, page: PageDep, _caller: AdminOrCommitteeDep
) -> Page[DisputePublic]:
    """Every dispute, oldest first, each with its case (status, deadline, ``overdue``)."""
    items, total = disputes.list_disputes(
        session, learner_id=None, limit=page.limit, offset=page.offset
    )
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/disputes/{dispute_id}")
def get_dispute(dispute_id: RowId, session: SessionDep, caller: PrincipalDep) -> DisputePublic:
    """One dispute: the operator, the committee and the learner who filed it may read it."""
    dispute = disputes.get_dispute(session, dispute_id)
    own = caller.learner is not None and caller.learner.id == dispute.learner_id
    if caller.role not in ("admin", "committee") and not own:
        raise Forbidden("a learner sees only their own disputes")
    return disputes.dispute_public(session, dispute)
