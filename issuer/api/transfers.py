"""Credit transfers recorded by receiving universities."""

from __future__ import annotations

from fastapi import APIRouter, status

from issuer.api.deps import SessionDep
from issuer.api.principals import InstitutionDep
from issuer.bank import transfers
from issuer.models import TransferCreate, TransferPublic

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
