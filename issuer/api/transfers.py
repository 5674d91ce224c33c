"""Credit transfers recorded by receiving universities."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import col, select

from issuer.api import filters
from issuer.api.deps import SessionDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import AdminOrInstitutionDep, InstitutionDep
from issuer.bank import directory, transfers
from issuer.core.errors import Forbidden, InvalidFilter
from issuer.models import Institution, TransferCreate, TransferListItem, TransferPublic
from issuer.models.input import RowId

router = APIRouter(tags=["transfers"])


@router.post("/transfers", status_code=status.HTTP_201_CREATED)
def record_transfer(
    data: TransferCreate, session: SessionDep, institution: InstitutionDep
) -> TransferPublic:
    """Record the credits a university accepted, with the university's institution API key.

    The body names the accepted credential entries by ``jti`` and ``position`` — the
    ``request`` object of a ``creditbank-verify transfer --json`` report can be sent as
    it stands. The bank checks that each credential exists (404 ``not_found``), is active
    (409 ``credential_revoked`` / ``credential_suspended`` / ``credential_expired``), that
    all belong to one learner (422 ``invalid_request``), and that no deposit was
    transferred before (409 ``already_transferred``), redeemed for a qualification
    (409 ``already_redeemed``) or reversed (409 ``insufficient_credits``). It then
    appends one ``transfer_out`` ledger entry per deposit: the credits leave the
    account and cannot be transferred or redeemed again. All or nothing.
    """
    return transfers.record_transfer(session, institution, data)


@router.get("/transfers")
def list_transfers(
    session: SessionDep,
    page: PageDep,
    caller: AdminOrInstitutionDep,
    institution: Annotated[
        str | None, Query(max_length=16, description="Code of the receiving institution.")
    ] = None,
    learner_id: RowId | None = None,
    since: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    until: Annotated[str | None, Query(alias="to", max_length=40)] = None,
) -> Page[TransferListItem]:
    """Recorded transfers, oldest first, by receiving institution, learner and date.

    An institution sees only the transfers it received (another ``institution`` is 403).
    A bad date or an unknown institution code is 422 ``invalid_filter``.
    """
    start, end = filters.date_range(since, until)
    institution_id: int | None = None
    if caller.institution is not None:
        if institution is not None and institution != caller.institution.code:
            raise Forbidden("an institution sees only the transfers it received")
        institution_id = caller.institution.id
    elif institution is not None:
        institution_id = session.exec(
            select(Institution.id).where(col(Institution.code) == institution)
        ).first()
        if institution_id is None:
            raise InvalidFilter(f"institution {institution} is not registered")
    query = directory.TransferQuery(
        institution_id=institution_id, learner_id=learner_id, since=start, until=end
    )
    items, total = directory.find_transfers(session, query, limit=page.limit, offset=page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
