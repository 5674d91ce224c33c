"""The registrar's exemption page (免修): map a recorded transfer's entries to courses.

``/console/registrar/transfers/{id}/exemptions`` lists the transfer's entries and the
exemptions made so far, and takes rows of (entry, course code, course name) to
:func:`issuer.bank.exemptions.record_exemptions` — the function behind ``POST
/transfers/{id}/exemptions``. Another university's transfer does not exist here
(``not_found``). A refused form (an entry not in this transfer, an entry or course used
twice) is shown again with the message in the reader's language and nothing stored;
each save is audited with the staff member as actor. The learner's account shows the
exemptions beside the transfer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuer.api.deps import SessionDep
from issuer.bank import exemptions
from issuer.console import registrar_exemptions
from issuer.console.registrar_pages import RegistrarDep, institution_of
from issuer.console.render import ConsoleRoute, page
from issuer.core import audit
from issuer.core.errors import CsrfFailed, ExemptionExists, InvalidRequest, NotFound
from issuer.core.i18n import N_
from issuer.models import Institution, LearnerTransferPublic, Transfer
from issuer.models.input import RowId
from issuer.staff import sessions

__all__ = ["router"]

router = APIRouter(prefix="/console/registrar", include_in_schema=False, route_class=ConsoleRoute)
MAX_FORM_BYTES = 16 * 1024
#: What a refused form says, per code, in the reader's language.
REFUSALS = {
    "invalid_request": N_(
        "Not saved: every row needs a transferred entry of this transfer, a course code and a "
        "course name."
    ),
    "exemption_exists": N_(
        "Not saved: a course is exempted once, and an entry exempts one course only."
    ),
}


def _transfer(
    session: SessionDep, institution: Institution, transfer_id: int
) -> tuple[Transfer, LearnerTransferPublic]:
    row = session.get(Transfer, transfer_id)
    if row is None or row.institution_id != institution.id:
        raise NotFound(f"{institution.name_en} recorded no transfer {transfer_id}")
    found = [
        t
        for t in registrar_exemptions.transfers_of(session, institution, row.learner_id)
        if t.id == transfer_id
    ]
    return row, found[0]


def _page(
    request: Request,
    current: Any,
    institution: Institution,
    transfer: LearnerTransferPublic,
    learner_id: int,
    **extra: Any,
) -> HTMLResponse:
    return page(
        request,
        "registrar_exemptions.html",
        staff=current,
        csrf=current.csrf,
        institution=institution,
        transfer=transfer,
        learner_id=learner_id,
        rows=registrar_exemptions.ROWS,
        **extra,
    )


@router.get("/transfers/{transfer_id}/exemptions")
def exemptions_page(
    request: Request, session: SessionDep, current: RegistrarDep, transfer_id: RowId
) -> HTMLResponse:
    """The transfer's entries, their exemptions, and the form for more."""
    institution = institution_of(session, current)
    row, transfer = _transfer(session, institution, transfer_id)
    saved = request.query_params.get("done") == "saved"
    return _page(request, current, institution, transfer, row.learner_id, saved=saved)


@router.post("/transfers/{transfer_id}/exemptions", response_model=None)
async def save_exemptions(
    request: Request, session: SessionDep, current: RegistrarDep, transfer_id: RowId
) -> Response:
    """Record the filled rows as exemptions: all of them, or none with the reason shown."""
    body = await request.body()
    fields: dict[str, list[str]] = {}
    if len(body) <= MAX_FORM_BYTES:
        try:
            fields = parse_qs(body.decode("utf-8"), max_num_fields=40)
        except (UnicodeDecodeError, ValueError):
            fields = {}
    if not sessions.check_csrf(current.session, (fields.get("csrf") or [""])[0]):
        raise CsrfFailed("the form's CSRF token is missing or wrong")
    institution = institution_of(session, current)
    row, transfer = _transfer(session, institution, transfer_id)
    try:
        data = registrar_exemptions.exemptions_of(fields)
        with session.begin_nested():  # a refused form leaves nothing behind
            exemptions.record_exemptions(session, institution, transfer_id, data)
    except (InvalidRequest, ExemptionExists) as exc:
        posted = {k: v[0] for k, v in fields.items() if k != "csrf"}
        response = _page(
            request,
            current,
            institution,
            transfer,
            row.learner_id,
            refused=exc,
            refusal=REFUSALS[exc.code],
            posted=posted,
        )
        response.status_code = exc.status
        return response
    audit.record(
        session,
        actor=current.actor,
        action="registrar.exempted",
        subject=f"learner:{row.learner_id}",
        payload={"transfer_id": transfer_id, "courses": [e.course_code for e in data.exemptions]},
    )
    return RedirectResponse(
        f"/console/registrar/transfers/{transfer_id}/exemptions?done=saved",
        status_code=status.HTTP_303_SEE_OTHER,
    )
