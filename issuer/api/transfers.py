"""Credit transfers recorded by receiving universities, with the learner's consent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import col, select

from issuer.api import filters
from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import AdminOrInstitutionDep, AdminOrSelfDep, InstitutionDep
from issuer.bank import (
    consent,
    directory,
    exemptions,
    transfer_records,
    transfer_view,
    transfers,
)
from issuer.core.errors import Forbidden, InvalidFilter
from issuer.credentials.transfer_consent import resolve_consent
from issuer.models import (
    ExemptionCreate,
    ExemptionPublic,
    Institution,
    LearnerTransferPublic,
    TransferCreate,
    TransferListItem,
    TransferNoncePublic,
    TransferPublic,
    utcnow,
)
from issuer.models.consent import TransferRecordsPublic
from issuer.models.input import RowId

router = APIRouter(tags=["transfers"])


@router.post("/transfers", status_code=status.HTTP_201_CREATED)
def record_transfer(
    data: TransferCreate,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    institution: InstitutionDep,
) -> TransferPublic:
    """Record the credits a university accepted, with its API key and the learner's consent.

    Only universities and colleges record transfers, and only with the learner's consent
    for them: ``application_id`` (the learner's transfer application to this
    institution) or ``presentation`` (an SD-JWT VC presentation whose KB-JWT ``aud`` is
    this institution and whose ``nonce`` came from ``POST /transfers/nonces``). Without
    one, for another institution, expired, or for items outside it: 403
    ``consent_required`` (the ``detail`` says which); a consent used before: 409
    ``consent_used``.

    The body names the accepted credential entries by ``jti`` and ``position`` — the
    ``request`` object of a ``creditbank-verify transfer --json`` report, plus the
    consent. Every item is checked — credential exists (404 ``not_found``), is active
    (409 ``credential_revoked`` / ``credential_suspended`` / ``credential_expired``), its
    deposit not transferred before (409 ``already_transferred``), redeemed (409
    ``already_redeemed``) or reversed (409 ``insufficient_credits``) — and when any is
    refused nothing is recorded: the problem carries the first refusal's code and
    ``errors``, one row per refused item naming its course and institution.
    """
    moment = utcnow()
    given = resolve_consent(session, keystore, settings, institution, data, moment)
    return transfers.record_transfer(session, institution, data, given, now=moment)


@router.post("/transfers/nonces", status_code=status.HTTP_201_CREATED)
def transfer_nonce(
    session: SessionDep, settings: SettingsDep, institution: InstitutionDep
) -> TransferNoncePublic:
    """A single-use nonce (10 minutes) and the ``aud`` for the learner's KB-JWT.

    The university gives both to the learner's wallet, which presents the credential
    with a KB-JWT carrying them; the presentation is then the consent of ``POST
    /transfers``. Universities and colleges only (403 ``consent_required``).
    """
    return consent.issue_nonce(session, settings, institution)


@router.get("/transfers/records")
def transfer_records_of(
    session: SessionDep,
    institution: InstitutionDep,
    jti: Annotated[list[str], Query(min_length=1, max_length=100)],
) -> TransferRecordsPublic:
    """Whether entries of these credentials were recorded as transferred (the CLI's ``--online``).

    For the calling university's own records: its name and the date. An entry
    transferred to another institution is reported only as ``elsewhere`` — where a
    learner's credits went is the learner's to tell. Universities and colleges only.
    """
    consent.require_receiver(institution, "look up transfer records")
    return transfer_records.lookup(session, institution, jti)


@router.post("/transfers/{transfer_id}/exemptions", status_code=status.HTTP_201_CREATED)
def record_exemptions(
    transfer_id: RowId, data: ExemptionCreate, session: SessionDep, institution: InstitutionDep
) -> list[ExemptionPublic]:
    """Convert accepted credits into exemptions (免修) of the institution's own courses.

    Each exemption names one of the institution's courses and the transferred entry
    (``jti``, ``position``) that covers it. Only the transfer's institution (404
    ``not_found`` for others), only its entries (422 ``invalid_request``), each course
    once per transfer and each entry for one course (409 ``exemption_exists``). Returns
    every exemption of the transfer.
    """
    return exemptions.record_exemptions(session, institution, transfer_id, data)


@router.get("/learners/{learner_id}/transfers")
def learner_transfers(
    learner_id: RowId, session: SessionDep, _caller: AdminOrSelfDep
) -> list[LearnerTransferPublic]:
    """Where the learner's credits went: each transfer, its consent and exemptions."""
    return transfer_view.learner_transfers(session, learner_id)


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
