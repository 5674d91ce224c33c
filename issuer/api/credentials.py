"""Issuing credentials and rendering their QR codes."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Query, Request, Response, status

from issuer.api import filters, idempotency
from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import AdminDep, AdminOrInstitutionDep
from issuer.credentials import issuance, listings
from issuer.credentials.qr_image import render_png
from issuer.models import (
    CredentialFormat,
    CredentialIssue,
    CredentialIssued,
    CredentialListItem,
    CredentialStatus,
)
from issuer.models.input import RowId

router = APIRouter(tags=["credentials"])


@router.post("/learners/{learner_id}/credentials", status_code=status.HTTP_201_CREATED)
def issue_credential(
    learner_id: RowId,
    data: CredentialIssue,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    _admin: AdminDep,
    request: Request,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> CredentialIssued:
    """Issue a signed ``cbqr`` credential over some of the learner's deposits.

    Each entry carries the credits its deposit still holds. Credits already transferred
    to a university (409 ``already_transferred``), counted toward a qualification (409
    ``already_redeemed``) or reversed (409 ``insufficient_credits``) are not issued.
    Supports ``Idempotency-Key``: a retry with the same key and body returns the same
    credential instead of issuing a second one.
    """
    return idempotency.run(
        session,
        key=idempotency_key,
        scope=f"admin POST {request.url.path}",
        request=data.model_dump(mode="json"),
        model=CredentialIssued,
        produce=lambda: _issue(session, settings, keystore, learner_id, data),
    )


def _issue(
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    learner_id: RowId,
    data: CredentialIssue,
) -> CredentialIssued:
    issued = issuance.issue_cbqr(session, settings, keystore, learner_id, data.entry_ids)
    credential = issued.credential
    return CredentialIssued(
        jti=credential.jti,
        format=credential.format,
        qr_text=issued.qr_text,
        jws=credential.token,
        status_list=credential.status_list_id,
        status_index=credential.status_index,
        issued_at=credential.issued_at,
        expires_at=credential.expires_at,
    )


@router.get(
    "/credentials/{jti}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The QR code as PNG."}},
)
def credential_qr_png(
    jti: str, session: SessionDep, settings: SettingsDep, _admin: AdminDep
) -> Response:
    """The credential's QR code as a PNG image."""
    credential = issuance.get_credential(session, jti)
    qr_text = issuance.qr_text_of(credential, settings)
    return Response(render_png(qr_text), media_type="image/png")


@router.get("/credentials")
def list_credentials(
    session: SessionDep,
    page: PageDep,
    caller: AdminOrInstitutionDep,
    learner_id: RowId | None = None,
    credential_status: Annotated[
        str | None, Query(alias="status", max_length=16, description="active, revoked, suspended")
    ] = None,
    credential_format: Annotated[
        str | None,
        Query(alias="format", max_length=16, description="cbqr, ob3+jwt, clr+jwt, dc+sd-jwt"),
    ] = None,
    since: Annotated[
        str | None, Query(alias="from", max_length=40, description="Issued on or after.")
    ] = None,
    until: Annotated[
        str | None, Query(alias="to", max_length=40, description="Issued on or before.")
    ] = None,
) -> Page[CredentialListItem]:
    """Issued credentials, oldest first, by learner, status, format and issue date.

    The operator sees every credential; an institution those carrying a deposit of an
    achievement it recorded. An unknown status or format, or a bad date, is 422
    ``invalid_filter``. Change a status (with a reason) at ``POST /credentials/{jti}/status``.
    """
    start, end = filters.date_range(since, until)
    query = listings.CredentialQuery(
        learner_id=learner_id,
        status=filters.choice("status", credential_status, get_args(CredentialStatus)),
        format=filters.choice("format", credential_format, get_args(CredentialFormat)),
        since=start,
        until=end,
        institution_id=None if caller.institution is None else caller.institution.id,
    )
    items, total = listings.find_credentials(session, query, limit=page.limit, offset=page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
