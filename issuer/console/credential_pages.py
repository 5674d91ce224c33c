"""The operator's credential pages: search, one credential, its status changed with a reason.

A change goes through :func:`issuer.committee.status_governance.change_status` with the
operator as actor (``member=None``): it is audited with the staff member, the reason and
the cited case, if any. A refused change (revocation is final, a case that concerns none
of the credential's deposits, …) is shown on the credential's page with its code in
``data-code``; nothing of it is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from issuer.api import filters
from issuer.api.deps import SessionDep
from issuer.api.status import StatusChange
from issuer.committee import status_governance
from issuer.console.audit_pages import staff_names
from issuer.console.audit_words import actor_words
from issuer.console.auth import CurrentStaff, OperatorDep, StaffFormDep
from issuer.console.render import ConsoleRoute, page
from issuer.core import i18n, labels
from issuer.core.errors import CreditBankError, InvalidFilter
from issuer.core.i18n import N_
from issuer.credentials.listings import CredentialQuery, find_credentials
from issuer.models import CredentialListItem, Learner
from issuer.portal.pages import locale_of, translate

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

PAGE_SIZE = 50
Text = Annotated[str, Query(max_length=40)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
#: What a refused status change says, by code.
REFUSALS = {
    "credential_revoked": N_("This credential is revoked; revocation is final."),
    "case_unrelated": N_("The case concerns none of this credential's deposits."),
    "not_found": N_("There is no such case."),
    "reason_required": N_("Give the new status and a reason (up to 500 characters)."),
}
#: What each change is called on its button.
CHANGES = {
    "suspended": N_("Suspend"),
    "active": N_("Reinstate"),
    "revoked": N_("Revoke"),
}
_DONE = N_("The status was changed and recorded in the audit trail.")


def _int(name: str, raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidFilter(f"{name} must be a number")
    return int(raw)


@router.get("/credentials")
def credentials(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    learner: Text = "",
    state: Annotated[str, Query(alias="status", max_length=16)] = "",
    fmt: Annotated[str, Query(alias="format", max_length=16)] = "",
    since: Annotated[str, Query(alias="from", max_length=40)] = "",
    until: Annotated[str, Query(alias="to", max_length=40)] = "",
    offset: Offset = 0,
) -> HTMLResponse:
    """Issued credentials, oldest first, filtered by learner, status, format and issue date."""
    chosen = {"learner": learner, "status": state, "format": fmt, "from": since, "to": until}
    error, total = "", 0
    items: list[CredentialListItem] = []
    try:
        start, end = filters.date_range(since.strip() or None, until.strip() or None)
        query = CredentialQuery(
            learner_id=_int("learner", learner),
            status=filters.choice("status", state or None, labels.CREDENTIAL_STATUSES),
            format=filters.choice("format", fmt or None, labels.CREDENTIAL_FORMATS),
            since=start,
            until=end,
        )
    except InvalidFilter as exc:
        error = exc.detail
    else:
        items, total = find_credentials(session, query, limit=PAGE_SIZE, offset=offset)
    return page(
        request,
        "credentials.html",
        staff=current,
        csrf=current.csrf,
        credentials=items,
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        chosen=chosen,
        error=error,
        statuses=labels.CREDENTIAL_STATUSES,
        formats=labels.CREDENTIAL_FORMATS,
    )


def _credential_page(
    request: Request,
    session: Session,
    current: CurrentStaff,
    jti: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    credential, changes = status_governance.history(session, jti)
    gettext = i18n.translations(locale_of(request)).gettext
    names = staff_names(session, (c.actor for c in changes))
    return page(
        request,
        "credential.html",
        status_code=status_code,
        staff=current,
        csrf=current.csrf,
        credential=credential,
        learner=session.get(Learner, credential.learner_id),
        changes=changes,
        statuses=labels.CREDENTIAL_STATUSES,
        formats=labels.CREDENTIAL_FORMATS,
        change_names=CHANGES,
        actor=lambda code: actor_words(code, names, gettext),
        **context,
    )


@router.get("/credentials/{jti}")
def credential(
    request: Request, session: SessionDep, current: OperatorDep, jti: str, done: Text = ""
) -> HTMLResponse:
    """One credential: its status, its changes (who, why, which case) and the change form."""
    notice = translate(request, _DONE) if done == "status" else ""
    return _credential_page(request, session, current, jti[:80], notice=notice)


@router.post("/credentials/{jti}/status", response_model=None)
def change_status(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    form: StaffFormDep,
    jti: str,
) -> HTMLResponse | RedirectResponse:
    """Suspend, reinstate or revoke with a reason (and a case, if one is cited)."""
    jti = jti[:80]
    try:
        change = StatusChange.model_validate(
            {
                "status": form.get("status", ""),
                "reason": form.get("reason", "").strip(),
                "case_id": _int("case_id", form.get("case_id", "")),
            }
        )
    except (ValidationError, InvalidFilter):
        return _refused(request, session, current, jti, "reason_required", 422)
    try:
        status_governance.change_status(
            session,
            jti,
            change.status,
            reason=change.reason,
            actor=current.actor,
            member=None,
            case_id=change.case_id,
        )
    except CreditBankError as exc:
        if exc.code not in REFUSALS or (exc.code == "not_found" and change.case_id is None):
            raise
        return _refused(request, session, current, jti, exc.code, exc.status)
    return RedirectResponse(
        f"/console/credentials/{jti}?done=status", status_code=status.HTTP_303_SEE_OTHER
    )


def _refused(
    request: Request, session: Session, current: CurrentStaff, jti: str, code: str, status_code: int
) -> HTMLResponse:
    session.rollback()  # nothing of a refused change stays
    return _credential_page(
        request,
        session,
        current,
        jti,
        status_code=status_code,
        error=translate(request, REFUSALS[code]),
        error_code=code,
    )
