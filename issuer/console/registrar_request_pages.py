"""The registrar asks the learner's wallet for an SD-JWT VC presentation.

"Ask for a presentation" on an application's page issues a nonce with
:func:`issuer.bank.consent.issue_nonce` (the function behind ``POST /transfers/nonces``,
audited; the workspace also audits which registrar asked) and shows the request the
wallet needs — audience ``<issuer>/institutions/<CODE>``, nonce, expiry — as text, as
a ``creditbank-present:`` link and as its QR code (docs/formats.md "Presentation
request"), with the ``creditbank-wallet present --request`` steps. The file the wallet
writes is then uploaded with the other files.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import col, select

from issuer.api.deps import SessionDep, SettingsDep
from issuer.bank import consent
from issuer.console.auth import StaffFormDep
from issuer.console.registrar_pages import RegistrarDep, application_of, institution_of
from issuer.console.render import ConsoleRoute, page, qr_data_url
from issuer.core import audit
from issuer.core.errors import NotFound
from issuer.models import TransferNonce, utcnow
from issuer.models.input import RowId

__all__ = ["REQUEST_SCHEME", "request_uri", "router"]

router = APIRouter(prefix="/console/registrar", include_in_schema=False, route_class=ConsoleRoute)
#: The scheme of the request link ``creditbank-wallet present --request`` reads.
REQUEST_SCHEME = "creditbank-present"


def request_uri(audience: str, nonce: str, expires: int) -> str:
    """``creditbank-present:?aud=…&nonce=…&exp=…`` (``exp`` in seconds since the epoch)."""
    return f"{REQUEST_SCHEME}:?" + urlencode({"aud": audience, "nonce": nonce, "exp": expires})


@router.post("/applications/{application_id}/presentation-request")
def ask(
    session: SessionDep,
    settings: SettingsDep,
    current: RegistrarDep,
    _form: StaffFormDep,
    application_id: RowId,
) -> RedirectResponse:
    """Issue a nonce for this university and show the request for the learner's wallet."""
    institution = institution_of(session, current)
    row = application_of(session, institution, application_id)
    issued = consent.issue_nonce(session, settings, institution)
    nonce = session.exec(
        select(TransferNonce).where(col(TransferNonce.nonce) == issued.nonce)
    ).first()
    assert nonce is not None
    audit.record(
        session,
        actor=current.actor,
        action="registrar.presentation_requested",
        subject=f"learner:{row.learner_id}",
        payload={"application_id": application_id, "nonce_id": nonce.id},
    )
    return RedirectResponse(
        f"/console/registrar/applications/{application_id}/presentation-request/{nonce.id}",
        status_code=status.HTTP_303_SEE_OTHER,
    )


@router.get("/applications/{application_id}/presentation-request/{nonce_id}")
def show_request(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current: RegistrarDep,
    application_id: RowId,
    nonce_id: RowId,
) -> HTMLResponse:
    """The request: audience, nonce and expiry as text, link and QR code."""
    institution = institution_of(session, current)
    row = application_of(session, institution, application_id)
    nonce = session.get(TransferNonce, nonce_id)
    if nonce is None or nonce.institution_id != institution.id:
        raise NotFound(f"{institution.name_en} asked for no presentation {nonce_id}")
    audience = consent.audience_of(settings, institution)
    link = request_uri(audience, nonce.nonce, int(nonce.expires_at.timestamp()))
    return page(
        request,
        "registrar_request.html",
        staff=current,
        csrf=current.csrf,
        institution=institution,
        application_id=row.id,
        audience=audience,
        nonce=nonce,
        expired=nonce.expires_at <= utcnow(),
        link=link,
        qr=qr_data_url(link),
    )
