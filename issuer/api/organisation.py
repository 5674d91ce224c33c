"""The operator's API for the organisation: units, institutions' keys and centres, staff.

For automation with the admin token; people use the console pages, which call the same
domain functions. Lists are paginated (``?limit=&offset=``).
"""

from __future__ import annotations

from fastapi import APIRouter, status

from issuer.api.deps import SessionDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import AdminDep
from issuer.bank import institution_keys
from issuer.models import (
    InstitutionCreated,
    InstitutionPublic,
    OrgUnitCreate,
    OrgUnitPublic,
    StaffCreate,
    StaffCreated,
    StaffPublic,
)
from issuer.models.input import RequestModel, RowId
from issuer.staff import accounts, org_units

router = APIRouter(tags=["organisation"])


class CentreAttach(RequestModel):
    centre_id: RowId | None


@router.get("/org-units")
def list_org_units(session: SessionDep, admin: AdminDep, page: PageDep) -> Page[OrgUnitPublic]:
    """The organisation tree's units, oldest first."""
    rows, total = org_units.list_units(session, limit=page.limit, offset=page.offset)
    items = [OrgUnitPublic.model_validate(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/org-units", status_code=status.HTTP_201_CREATED)
def create_org_unit(data: OrgUnitCreate, session: SessionDep, admin: AdminDep) -> OrgUnitPublic:
    """Add the province centre, a sub-centre under it, or a point under a sub-centre."""
    unit = org_units.create_unit(session, data, actor=admin.actor)
    return OrgUnitPublic.model_validate(unit)


@router.get("/institutions")
def list_institutions(
    session: SessionDep, admin: AdminDep, page: PageDep
) -> Page[InstitutionPublic]:
    """Registered institutions by code (never their keys)."""
    items, total = institution_keys.list_institutions(session, limit=page.limit, offset=page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.put("/institutions/{institution_id}/centre")
def attach_institution(
    institution_id: RowId, data: CentreAttach, session: SessionDep, admin: AdminDep
) -> InstitutionPublic:
    """Attach the institution to a centre (``null`` detaches it)."""
    return institution_keys.attach(session, institution_id, data.centre_id, actor=admin.actor)


@router.post("/institutions/{institution_id}/api-key")
def rotate_institution_key(
    institution_id: RowId, session: SessionDep, admin: AdminDep
) -> InstitutionCreated:
    """A new API key, in this response only; the old key stops working at once."""
    return institution_keys.rotate_key(session, institution_id, actor=admin.actor)


@router.delete("/institutions/{institution_id}/api-key")
def revoke_institution_key(
    institution_id: RowId, session: SessionDep, admin: AdminDep
) -> InstitutionPublic:
    """The institution's API key stops working; rotate to give it a new one."""
    return institution_keys.revoke_key(session, institution_id, actor=admin.actor)


@router.get("/staff")
def list_staff(session: SessionDep, admin: AdminDep, page: PageDep) -> Page[StaffPublic]:
    """Staff accounts by login (never their secrets)."""
    rows, total = accounts.list_staff(session, limit=page.limit, offset=page.offset)
    items = [accounts.public(row) for row in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/staff", status_code=status.HTTP_201_CREATED)
def create_staff(data: StaffCreate, session: SessionDep, admin: AdminDep) -> StaffCreated:
    """Open a staff account; its one-time password is in this response only.

    The first sign-in at ``/console/sign-in`` enrols the TOTP second factor.
    """
    return accounts.create_staff(session, data, actor=admin.actor)


@router.post("/staff/{staff_id}/deactivate")
def deactivate_staff(staff_id: RowId, session: SessionDep, admin: AdminDep) -> StaffPublic:
    """Close the account and end its console sessions."""
    return accounts.public(accounts.deactivate(session, staff_id, actor=admin.actor))


@router.post("/staff/{staff_id}/totp-reset")
def reset_staff_totp(staff_id: RowId, session: SessionDep, admin: AdminDep) -> StaffPublic:
    """Forget the account's TOTP secret; its next sign-in enrols a new one."""
    return accounts.public(accounts.reset_totp(session, staff_id, actor=admin.actor))
