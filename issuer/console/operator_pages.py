"""The operator's console pages: the organisation tree, institutions and their keys, staff.

Each POST carries the session's CSRF token (``StaffFormDep``), calls one domain function
with the operator as the audit actor, and answers with a page (a new API key or password
is shown on that page once) or a redirect back to the list.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import col, select

from issuer.api.deps import SessionDep, SettingsDep
from issuer.bank import accounts as bank_accounts
from issuer.bank import institution_keys
from issuer.console.auth import CurrentStaff, OperatorDep, StaffFormDep
from issuer.console.render import ConsoleRoute, page
from issuer.core.errors import InvalidRequest
from issuer.core.i18n import N_
from issuer.models import (
    STAFF_ROLES,
    Institution,
    InstitutionCreate,
    OrgUnit,
    OrgUnitCreate,
    StaffCreate,
)
from issuer.models.input import RowId
from issuer.portal.pages import translate
from issuer.staff import accounts, org_units

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

KINDS = ("university", "vocational_school", "training_body", "enterprise", "certifying_body")
#: What a redirect after a POST says, by its ``done`` query value.
_DONE = {
    "unit": N_("The unit was added."),
    "revoked": N_("The API key was revoked; the institution can no longer call the API."),
    "deactivated": N_("The account was deactivated and its sessions ended."),
    "totp_reset": N_("Two-factor sign-in was reset; the next sign-in sets it up again."),
}
DoneQuery = Annotated[str, Query(max_length=16)]


def _go(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


def _optional_id(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidRequest("not a valid id")
    return int(value)


def _model(model: type[Any], **fields: Any) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        where = ", ".join(str(err["loc"][0]) for err in exc.errors() if err.get("loc"))
        raise InvalidRequest(f"not valid: {where}") from exc


def _units(session: SessionDep) -> list[tuple[int, OrgUnit]]:
    return org_units.tree(session)


def _render(request: Request, current: CurrentStaff, template: str, **context: Any) -> HTMLResponse:
    done = str(context.pop("done", "") or "")
    notice = translate(request, _DONE[done]) if done in _DONE else ""
    return page(request, template, staff=current, csrf=current.csrf, notice=notice, **context)


@router.get("/organisation")
def organisation(
    request: Request, session: SessionDep, current: OperatorDep, done: DoneQuery = ""
) -> HTMLResponse:
    return _render(request, current, "organisation.html", units=_units(session), done=done)


@router.post("/organisation")
def add_unit(session: SessionDep, current: OperatorDep, form: StaffFormDep) -> RedirectResponse:
    data = _model(
        OrgUnitCreate,
        code=form.get("code", "").strip().upper(),
        name_zh=form.get("name_zh", "").strip(),
        name_en=form.get("name_en", "").strip(),
        level=form.get("level", ""),
        parent_id=_optional_id(form.get("parent_id", "")),
    )
    org_units.create_unit(session, data, actor=current.actor)
    return _go("/console/organisation?done=unit")


def _centre_names(session: SessionDep) -> dict[int, OrgUnit]:
    return {unit.id: unit for unit in session.exec(select(OrgUnit)) if unit.id is not None}


@router.get("/institutions")
def institutions(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    done: DoneQuery = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    items, total = institution_keys.list_institutions(session, limit=50, offset=offset)
    return _render(
        request,
        current,
        "institutions.html",
        institutions=items,
        total=total,
        offset=offset,
        centres=_centre_names(session),
        units=_units(session),
        kinds=KINDS,
        done=done,
    )


@router.post("/institutions")
def add_institution(
    request: Request, session: SessionDep, current: OperatorDep, form: StaffFormDep
) -> HTMLResponse:
    data = _model(
        InstitutionCreate,
        code=form.get("code", "").strip().upper(),
        name_zh=form.get("name_zh", "").strip(),
        name_en=form.get("name_en", "").strip(),
        kind=form.get("kind", ""),
        centre_id=_optional_id(form.get("centre_id", "")),
    )
    created = bank_accounts.create_institution(session, data, actor=current.actor)
    return _render(request, current, "api_key.html", institution=created, api_key=created.api_key)


@router.post("/institutions/{institution_id}/rotate")
def rotate(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    form: StaffFormDep,
    institution_id: RowId,
) -> HTMLResponse:
    rotated = institution_keys.rotate_key(session, institution_id, actor=current.actor)
    return _render(request, current, "api_key.html", institution=rotated, api_key=rotated.api_key)


@router.post("/institutions/{institution_id}/revoke")
def revoke(
    session: SessionDep, current: OperatorDep, form: StaffFormDep, institution_id: RowId
) -> RedirectResponse:
    institution_keys.revoke_key(session, institution_id, actor=current.actor)
    return _go("/console/institutions?done=revoked")


@router.get("/staff")
def staff_list(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    done: DoneQuery = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    rows, total = accounts.list_staff(session, limit=50, offset=offset)
    institutions = {
        i.id: i for i in session.exec(select(Institution).order_by(col(Institution.code)))
    }
    return _render(
        request,
        current,
        "staff.html",
        members=[accounts.public(row) for row in rows],
        total=total,
        offset=offset,
        centres=_centre_names(session),
        units=_units(session),
        institutions=institutions,
        roles=STAFF_ROLES,
        done=done,
    )


@router.post("/staff")
def add_staff(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current: OperatorDep,
    form: StaffFormDep,
) -> HTMLResponse:
    role = form.get("role", "")
    data = _model(
        StaffCreate,
        login=form.get("login", "").strip().lower(),
        name=form.get("name", "").strip(),
        role=role,
        centre_id=_optional_id(form.get("centre_id", ""))
        if role in ("reviewer", "centre_manager")
        else None,
        institution_id=_optional_id(form.get("institution_id", ""))
        if role in ("registrar", "institution")
        else None,
    )
    created = accounts.create_staff(session, data, actor=current.actor)
    return _render(request, current, "staff_created.html", member=created)


@router.post("/staff/{staff_id}/deactivate")
def deactivate(
    session: SessionDep, current: OperatorDep, form: StaffFormDep, staff_id: RowId
) -> RedirectResponse:
    if staff_id == current.staff.id:
        raise InvalidRequest("you cannot deactivate your own account")
    accounts.deactivate(session, staff_id, actor=current.actor)
    return _go("/console/staff?done=deactivated")


@router.post("/staff/{staff_id}/reset-totp")
def reset_totp(
    session: SessionDep, current: OperatorDep, form: StaffFormDep, staff_id: RowId
) -> RedirectResponse:
    accounts.reset_totp(session, staff_id, actor=current.actor)
    return _go("/console/staff?done=totp_reset")
