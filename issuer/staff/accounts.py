"""Staff accounts: create (with a one-time password), list, deactivate, reset the TOTP.

A new account has a random password shown once and no TOTP secret: its first sign-in
enrols the second factor (:mod:`issuer.staff.signin`). Deactivating an account or
resetting its TOTP ends its console sessions. Every change is audited with the actor.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from issuer.core import audit, security
from issuer.core.errors import InvalidRequest, NotFound, StaffExists
from issuer.core.settings import Settings
from issuer.models import (
    ConsoleSession,
    Institution,
    OrgUnit,
    StaffAccount,
    StaffCreate,
    StaffCreated,
    StaffPublic,
    utcnow,
)
from issuer.staff import totp

__all__ = [
    "create_staff",
    "deactivate",
    "find_by_login",
    "get_staff",
    "list_staff",
    "public",
    "reset_totp",
]


def public(staff: StaffAccount) -> StaffPublic:
    """What the API and console show of an account (never its secrets)."""
    return StaffPublic.model_validate(
        staff, update={"totp_enrolled": staff.totp_enrolled_at is not None}
    )


def _check_scope_fields(session: Session, data: StaffCreate) -> None:
    if data.role == "operator":
        if data.centre_id is not None or data.institution_id is not None:
            raise InvalidRequest("an operator's scope is the whole credit bank: no centre")
    elif data.role == "committee":
        # An expert's scope is the cases of their panels (their committee member record).
        if data.centre_id is not None or data.institution_id is not None:
            raise InvalidRequest("a committee member's account has no centre or institution")
    elif data.role in ("registrar", "institution"):
        if data.institution_id is None or data.centre_id is not None:
            raise InvalidRequest(f"a {data.role} belongs to one institution (institution_id)")
        if session.get(Institution, data.institution_id) is None:
            raise InvalidRequest(f"institution {data.institution_id} does not exist")
    else:
        if data.centre_id is None or data.institution_id is not None:
            raise InvalidRequest(f"a {data.role} belongs to one centre (centre_id)")
        unit = session.get(OrgUnit, data.centre_id)
        if unit is None:
            raise InvalidRequest(f"centre {data.centre_id} does not exist")


def create_staff(
    session: Session,
    data: StaffCreate,
    *,
    actor: str,
    password: str | None = None,
    settings: Settings | None = None,
    totp_secret: str | None = None,
) -> StaffCreated:
    """Open a staff account with a random one-time password (returned only here).

    ``password`` and ``totp_secret`` (an enrolled secret, sealed with ``settings``) are for
    the demo seed only, whose accounts have known credentials.
    """
    _check_scope_fields(session, data)
    if find_by_login(session, data.login) is not None:
        raise StaffExists(f"staff login {data.login} is taken")
    password = password or secrets.token_urlsafe(12)
    staff = StaffAccount.model_validate(
        data, update={"password_hash": security.hash_password(password)}
    )
    if totp_secret is not None and settings is not None:
        staff.totp_sealed = totp.seal(settings, data.login, totp_secret)
        staff.totp_enrolled_at = utcnow()
    session.add(staff)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request took the login
        raise StaffExists(f"staff login {data.login} is taken") from exc
    audit.record(
        session,
        actor=actor,
        action="staff.created",
        subject=f"staff:{staff.id}",
        payload=data.model_dump(),
    )
    return StaffCreated.model_validate(public(staff), update={"password": password})


def find_by_login(session: Session, login: str) -> StaffAccount | None:
    return session.exec(select(StaffAccount).where(col(StaffAccount.login) == login)).first()


def get_staff(session: Session, staff_id: int) -> StaffAccount:
    """The account, or :class:`NotFound`."""
    staff = session.get(StaffAccount, staff_id)
    if staff is None:
        raise NotFound(f"staff account {staff_id} does not exist")
    return staff


def list_staff(
    session: Session, *, limit: int, offset: int, centre_ids: set[int] | None = None
) -> tuple[list[StaffAccount], int]:
    """Accounts by login (optionally of some centres only), and how many there are."""
    query = select(StaffAccount)
    count = select(func.count()).select_from(StaffAccount)
    if centre_ids is not None:
        query = query.where(col(StaffAccount.centre_id).in_(centre_ids))
        count = count.where(col(StaffAccount.centre_id).in_(centre_ids))
    total = session.exec(count).one()
    rows = session.exec(query.order_by(col(StaffAccount.login)).offset(offset).limit(limit))
    return list(rows), total


def _end_sessions(session: Session, staff_id: int) -> None:
    session.execute(delete(ConsoleSession).where(col(ConsoleSession.staff_id) == staff_id))


def deactivate(session: Session, staff_id: int, *, actor: str) -> StaffAccount:
    """Close the account: it can no longer sign in, and its sessions end (audited)."""
    staff = get_staff(session, staff_id)
    staff.active = False
    session.add(staff)
    _end_sessions(session, staff_id)
    session.flush()
    audit.record(
        session, actor=actor, action="staff.deactivated", subject=f"staff:{staff_id}", payload={}
    )
    return staff


def reset_totp(session: Session, staff_id: int, *, actor: str) -> StaffAccount:
    """Forget the account's TOTP secret: its next sign-in enrols a new one (audited)."""
    staff = get_staff(session, staff_id)
    staff.totp_sealed = None
    staff.totp_enrolled_at = None
    session.add(staff)
    _end_sessions(session, staff_id)
    session.flush()
    audit.record(
        session, actor=actor, action="staff.totp_reset", subject=f"staff:{staff_id}", payload={}
    )
    return staff
