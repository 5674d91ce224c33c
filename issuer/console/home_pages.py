"""The console's home page (what each role can do) and the page of one centre (scoped)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from issuer.api.deps import SessionDep
from issuer.console.auth import StaffDep, require_staff
from issuer.console.render import ConsoleRoute, page
from issuer.models import Institution, OrgUnit, StaffAccount
from issuer.models.input import RowId
from issuer.staff import org_units

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)


@router.get("")
def home(request: Request, session: SessionDep, current: StaffDep) -> HTMLResponse:
    staff = current.staff
    unit = session.get(OrgUnit, staff.centre_id) if staff.centre_id else None
    institution = session.get(Institution, staff.institution_id) if staff.institution_id else None
    return page(
        request, "home.html", staff=current, csrf=current.csrf, unit=unit, institution=institution
    )


_CENTRE_ROLES = require_staff("operator", "centre_manager", "reviewer")


@router.get("/centres/{centre_id}")
def centre(
    request: Request, session: SessionDep, current: StaffDep, centre_id: RowId
) -> HTMLResponse:
    """One centre: its units below, its institutions and its staff (``out_of_scope`` else)."""
    _CENTRE_ROLES(current)
    current.ensure(session, centre_id=centre_id)
    unit = org_units.get_unit(session, centre_id)
    below = org_units.subtree_ids(session, centre_id)
    units = session.exec(
        select(OrgUnit).where(col(OrgUnit.parent_id) == centre_id).order_by(col(OrgUnit.code))
    ).all()
    institutions = session.exec(
        select(Institution)
        .where(col(Institution.centre_id).in_(below))
        .order_by(col(Institution.code))
    ).all()
    staff = session.exec(
        select(StaffAccount)
        .where(col(StaffAccount.centre_id).in_(below))
        .order_by(col(StaffAccount.login))
    ).all()
    return page(
        request,
        "centre.html",
        staff=current,
        csrf=current.csrf,
        unit=unit,
        units=units,
        institutions=institutions,
        members=staff,
    )
