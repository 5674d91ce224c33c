"""The learner's credit-recognition application page (学分转换 / 免修 application).

``/portal/transfer-applications/new`` lists the learner's valid credentials (with the
courses each carries) as checkboxes and the universities and colleges to choose from;
posting it makes the application (:func:`issuer.bank.applications.create_application`)
that is the learner's consent for that institution to record the transfer. A submitted
application can be withdrawn from the account page. Errors are shown in words, in the
reader's language, on the form again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session, col, select

from issuer.api import learner_refusals
from issuer.api.deps import SessionDep, SettingsDep
from issuer.bank import applications, standing
from issuer.bank.transfer_items import Carried, carried_entries
from issuer.core.errors import CreditBankError
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.models import (
    Credential,
    Institution,
    Learner,
    TransferApplicationCreate,
    TransferItemIn,
)
from issuer.models.accounts import TRANSFER_KINDS
from issuer.models.input import RowId
from issuer.portal import _session
from issuer.portal.pages import _page, _refused, _to_sign_in, translate

router = APIRouter(prefix="/portal", include_in_schema=False)

NEW = "/portal/transfer-applications/new"
#: Why an application was refused, by error code, in words for the learner.
_REFUSALS = {
    "not_a_university": N_("Choose a university or college from the list."),
    "not_found": N_("Choose at least one of your valid credentials."),
    "invalid_request": N_("Choose at least one of your valid credentials."),
}
_NO_PROGRAMME = N_("Name the programme you apply for (at most 200 characters).")


def _choices(session: Session, learner_id: int) -> list[tuple[Credential, list[Carried]]]:
    """The learner's valid credentials with the courses they carry that still hold credits.

    Entries already transferred, redeemed or reversed are left out, and so are credentials
    left with none: there is nothing in them to apply with.
    """
    standing_ids = {d.id for d in standing.standing_deposits(session, learner_id)}
    rows = list(
        session.exec(
            select(Credential)
            .where(col(Credential.learner_id) == learner_id, col(Credential.status) == "active")
            .order_by(col(Credential.issued_at), col(Credential.id))
        )
    )
    carried = carried_entries(session, [c.id for c in rows if c.id is not None])
    choices = []
    for credential in rows:
        held = [e for e in carried.get(credential.id or 0, []) if e.deposit.id in standing_ids]
        if held:
            choices.append((credential, held))
    return choices


def _universities(session: Session) -> list[Institution]:
    return list(
        session.exec(
            select(Institution)
            .where(col(Institution.kind).in_(sorted(TRANSFER_KINDS)))
            .order_by(col(Institution.code))
        )
    )


def _form(
    request: Request,
    session: Session,
    settings: Settings,
    learner: Learner,
    *,
    error: str | None = None,
    chosen: dict[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    assert learner.id is not None
    return _page(
        request,
        settings,
        "apply.html",
        learner=learner,
        status_code=status_code,
        choices=_choices(session, learner.id),
        universities=_universities(session),
        error=error,
        chosen=chosen or {},
    )


@router.get("/transfer-applications/new")
def application_form(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None:
        return _to_sign_in()
    return _form(request, session, settings, learner)


@router.post("/transfer-applications")
async def apply(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    form = await _session.read_form_lists(request)
    first = {name: values[0] for name, values in form.items()}
    if not _session.check_csrf(request, first):
        return _refused(request, settings, NEW)
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    jtis = list(dict.fromkeys(form.get("jti", [])))[:100]
    chosen: dict[str, object] = {
        "institution": first.get("institution", "")[:16],
        "programme": first.get("programme", "")[:200],
        "jtis": set(jtis),
    }
    try:
        data = TransferApplicationCreate(
            institution=first.get("institution", ""),
            programme=first.get("programme", "").strip(),
            items=[TransferItemIn(jti=jti) for jti in jtis],
        )
    except ValidationError as exc:
        fields = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        message = (
            _NO_PROGRAMME
            if "programme" in fields
            else _REFUSALS["not_a_university" if "institution" in fields else "not_found"]
        )
        error = translate(request, message)
        learner_refusals.record(
            session,
            "transfer_application",
            "invalid_request",
            ", ".join(sorted(fields)),
            learner_id=learner.id,
        )
        return _form(
            request, session, settings, learner, error=error, chosen=chosen, status_code=422
        )
    try:
        application = applications.create_application(session, learner.id, data)
    except CreditBankError as exc:
        message = _REFUSALS.get(exc.code, N_("The application could not be made."))
        learner_refusals.record(
            session, "transfer_application", exc.code, exc.detail, learner_id=learner.id
        )
        return _form(
            request,
            session,
            settings,
            learner,
            error=translate(request, message),
            chosen=chosen,
            status_code=exc.status,
        )
    return _page(request, settings, "applied.html", learner=learner, application=application)


@router.post("/transfer-applications/{application_id}/withdraw")
async def withdraw(
    application_id: RowId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/account")
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    try:
        applications.withdraw(session, learner.id, application_id)
    except CreditBankError as exc:
        learner_refusals.record(session, "withdraw", exc.code, exc.detail, learner_id=learner.id)
        message = N_("This application can no longer be withdrawn.")
        return _page(
            request,
            settings,
            "message.html",
            learner=learner,
            status_code=exc.status,
            message=translate(request, message),
            back="/portal/account#transfers",
        )
    return RedirectResponse("/portal/account#transfers", status_code=status.HTTP_303_SEE_OTHER)
