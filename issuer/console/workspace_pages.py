"""The institution workspace: what the institution recorded, and its two forms.

For staff of role ``institution``, every page under ``/console/workspace/{id}`` is their
own institution's (another's is ``out_of_scope``, audited). The achievement form records
one achievement of any kind with :func:`issuer.conversion.achievements.record_achievement`
— the function behind ``POST /learners/{id}/achievements`` — and shows the engine's
decision in words; the account form opens one account with the rules of the bulk import
(:func:`issuer.bank.accounts.create_learner`, mobile and email checked the same way).
A refused form is shown again with its message and code, nothing stored.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import col, func, select

from issuer.api.deps import SessionDep, SettingsDep
from issuer.bank.accounts import create_learner, get_learner
from issuer.committee import reviews
from issuer.console import workspace_forms
from issuer.console.auth import CurrentStaff, StaffFormDep, require_staff
from issuer.console.render import ConsoleRoute, form_refusal, page
from issuer.conversion.achievements import record_achievement
from issuer.conversion.evidence import achievement_adapter
from issuer.core import national_id
from issuer.core.csv_batches import field_error
from issuer.core.errors import CreditBankError, InvalidRequest, NotFound
from issuer.core.i18n import N_
from issuer.models import Achievement, Institution, LearnerCreate, Recognition
from issuer.models.input import RowId
from issuer.models.passwords import EMAIL_PATTERN, MOBILE_PATTERN
from issuer.portal.pages import translate

__all__ = ["InstitutionStaffDep", "institution_of", "router"]

router = APIRouter(prefix="/console/workspace", include_in_schema=False, route_class=ConsoleRoute)
InstitutionStaffDep = Annotated[CurrentStaff, Depends(require_staff("institution"))]
PAGE_SIZE = 20
NO_LEARNER = N_("There is no account with this number. Open the account first.")
STATUS_NAMES = {
    "recognised": N_("Credits deposited"),
    "pending_review": N_("Waiting for review"),
    "more_material": N_("More material asked for"),
    "rejected": N_("Rejected"),
}


def institution_of(session: SessionDep, current: CurrentStaff, institution_id: int) -> Institution:
    """The workspace's institution, once it is in ``current``'s scope (else ``out_of_scope``)."""
    current.ensure(session, institution_id=institution_id)
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFound(f"institution {institution_id} does not exist")
    return institution


@router.get("")
def own_workspace(current: InstitutionStaffDep) -> RedirectResponse:
    """The signed-in member's own institution's workspace."""
    if current.staff.institution_id is None:
        raise NotFound("this account has no institution")
    return RedirectResponse(
        f"/console/workspace/{current.staff.institution_id}", status.HTTP_303_SEE_OTHER
    )


@router.get("/{institution_id}")
def records(
    request: Request,
    session: SessionDep,
    current: InstitutionStaffDep,
    institution_id: RowId,
    kind: Annotated[str, Query(max_length=32)] = "",
    state: Annotated[str, Query(max_length=32)] = "",
    learner: Annotated[str, Query(max_length=12)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """What the institution recorded, newest first, 20 a page, filtered by kind/status/learner."""
    institution = institution_of(session, current, institution_id)
    query = (
        select(Achievement, Recognition)
        .join(Recognition, col(Recognition.achievement_id) == col(Achievement.id), isouter=True)
        .where(col(Achievement.institution_id) == institution_id)
    )
    if kind in workspace_forms.kinds():
        query = query.where(col(Achievement.kind) == kind)
    if state in STATUS_NAMES:
        query = query.where(col(Recognition.status) == state)
    if learner.isdigit():
        query = query.where(col(Achievement.learner_id) == int(learner))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(Achievement.id).desc())
        .offset((page_no - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return page(
        request,
        "workspace_records.html",
        staff=current,
        csrf=current.csrf,
        institution=institution,
        rows=rows,
        total=total,
        page_no=page_no,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters={"kind": kind, "state": state, "learner": learner},
        kinds=workspace_forms.kinds(),
        kind_labels=workspace_forms.KIND_LABELS,
        status_names=STATUS_NAMES,
    )


def _form_page(
    request: Request,
    current: CurrentStaff,
    institution: Institution,
    kind: str,
    values: dict[str, str],
    error: CreditBankError | None = None,
    message: str | None = None,
    result: Any = None,
) -> HTMLResponse:
    return page(
        request,
        "workspace_achievement.html",
        staff=current,
        csrf=current.csrf,
        institution=institution,
        kind=kind,
        kinds=workspace_forms.kinds(),
        kind_labels=workspace_forms.KIND_LABELS,
        fields=workspace_forms.fields_of(kind),
        values=values,
        result=result,
        status_names=STATUS_NAMES,
        **form_refusal(request, error, message),
    )


def _kind(value: str) -> str:
    return value if value in workspace_forms.kinds() else "course"


@router.get("/{institution_id}/achievements/new")
def achievement_form(
    request: Request,
    session: SessionDep,
    current: InstitutionStaffDep,
    institution_id: RowId,
    kind: Annotated[str, Query(max_length=32)] = "course",
) -> HTMLResponse:
    """The form of one achievement of ``kind``."""
    institution = institution_of(session, current, institution_id)
    return _form_page(request, current, institution, _kind(kind), {})


@router.post("/{institution_id}/achievements")
def record(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current: InstitutionStaffDep,
    form: StaffFormDep,
    institution_id: RowId,
) -> HTMLResponse:
    """Record the posted achievement and show the decision in words."""
    institution = institution_of(session, current, institution_id)
    kind = _kind(form.get("kind", ""))
    allowed = {f.name for f in workspace_forms.fields_of(kind)}
    cells = {
        name: value.strip() for name, value in form.items() if name in allowed and value.strip()
    }
    learner = form.get("learner_id", "").strip()
    values = {**cells, "learner_id": learner}
    try:
        if not learner.isdigit() or len(learner) > 9:
            raise InvalidRequest("learner_id: an account number (digits) is required")
        data = achievement_adapter.validate_python({**cells, "kind": kind}, strict=False)
        get_learner(session, int(learner))
        with session.begin_nested():
            result = record_achievement(session, settings, institution, int(learner), data)
            reviews.open_pending_reviews(
                session, actor=current.actor, achievement_ids=[result.achievement.id]
            )
    except ValidationError as exc:
        error = InvalidRequest(field_error(exc))
        return _form_page(request, current, institution, kind, values, error)
    except NotFound as exc:
        message = translate(request, NO_LEARNER)
        return _form_page(request, current, institution, kind, values, exc, message)
    except CreditBankError as exc:
        return _form_page(request, current, institution, kind, values, exc)
    return _form_page(request, current, institution, kind, {}, result=result)


def _account_page(
    request: Request,
    current: CurrentStaff,
    institution: Institution,
    values: dict[str, str],
    error: CreditBankError | None = None,
    opened: Any = None,
) -> HTMLResponse:
    return page(
        request,
        "workspace_account.html",
        staff=current,
        csrf=current.csrf,
        institution=institution,
        values=values,
        opened=opened,
        **form_refusal(request, error),
    )


@router.get("/{institution_id}/accounts/new")
def account_form(
    request: Request, session: SessionDep, current: InstitutionStaffDep, institution_id: RowId
) -> HTMLResponse:
    """The form that opens one learner account."""
    institution = institution_of(session, current, institution_id)
    return _account_page(request, current, institution, {})


@router.post("/{institution_id}/accounts")
def open_account(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current: InstitutionStaffDep,
    form: StaffFormDep,
    institution_id: RowId,
) -> HTMLResponse:
    """Open the posted account, as one row of the bulk import would."""
    institution = institution_of(session, current, institution_id)
    values = {k: form.get(k, "").strip() for k in ("name", "national_id", "mobile", "email")}
    mobile, email = values["mobile"] or None, values["email"] or None
    try:
        if mobile is not None and not re.fullmatch(MOBILE_PATTERN, mobile):
            raise InvalidRequest("mobile: an 11-digit mainland mobile number is required")
        if email is not None and not re.fullmatch(EMAIL_PATTERN, email):
            raise InvalidRequest("email: not an email address")
        try:
            data = LearnerCreate(name=values["name"], national_id=values["national_id"])
        except ValidationError as exc:
            raise InvalidRequest(field_error(exc)) from None
        national_id.parse(data.national_id)
        with session.begin_nested():
            opened = create_learner(
                session, settings, data, actor=current.actor, institution_id=institution.id
            )
            account = get_learner(session, opened.id)
            account.mobile, account.email = mobile, email
            session.add(account)
    except CreditBankError as exc:
        shown = {**values, "national_id": ""}  # the clear ID is not sent back
        return _account_page(request, current, institution, shown, exc)
    return _account_page(request, current, institution, {}, opened=opened)
