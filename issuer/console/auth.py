"""Who is using the console: the signed-in staff member, their scope, their forms' CSRF.

For pages (any folder at the console's layer):

- ``StaffDep``: the signed-in staff member (:class:`CurrentStaff`); no or an ended session
  sends the reader to ``/console/sign-in`` (idle timeout and lifetime: settings
  ``staff_idle_minutes``, ``staff_session_hours``).
- ``require_staff(*roles)``: a dependency that also refuses other roles (403 ``forbidden``);
  ``OperatorDep`` is ``require_staff("operator")``.
- ``StaffFormDep``: the fields of a posted form whose ``csrf`` field is the session's token;
  otherwise 403 ``csrf_failed``, before the route runs.
- ``CurrentStaff.ensure(session, centre_id=…, institution_id=…)``: the scope check
  (:func:`issuer.staff.scope.ensure_in_scope`, 403 ``out_of_scope``).

Routes must use :class:`issuer.console.render.ConsoleRoute` (``APIRouter(route_class=…)``)
so that these refusals become pages in the reader's language and are audited.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from issuer.api.deps import SessionDep, SettingsDep
from issuer.console.render import NeedsSignIn, read_form
from issuer.core.cookies import clear_private_cookie, set_private_cookie
from issuer.core.errors import CsrfFailed, Forbidden, SessionExpired
from issuer.models import ConsoleSession, StaffAccount, StaffRole
from issuer.staff import sessions
from issuer.staff.scope import Scope, ensure_in_scope, scope_of

__all__ = [
    "PRE_CSRF_COOKIE",
    "SESSION_COOKIE",
    "CurrentStaff",
    "OperatorDep",
    "SignInFormDep",
    "StaffDep",
    "StaffFormDep",
    "clear_session_cookie",
    "current_staff",
    "pre_csrf",
    "require_staff",
    "set_pre_csrf",
    "set_session_cookie",
]

SESSION_COOKIE = "cb_staff"
#: The double-submit CSRF cookie of the forms shown before a session exists (sign-in).
PRE_CSRF_COOKIE = "cb_staff_csrf"


@dataclass(frozen=True)
class CurrentStaff:
    """The signed-in staff member, their scope and their session."""

    staff: StaffAccount
    scope: Scope
    session: ConsoleSession

    @property
    def actor(self) -> str:
        """How the audit trail names this staff member, e.g. ``staff:3``."""
        return f"staff:{self.staff.id}"

    @property
    def csrf(self) -> str:
        return self.session.csrf

    def ensure(
        self,
        session: SessionDep,
        *,
        centre_id: int | None = None,
        institution_id: int | None = None,
    ) -> None:
        """``out_of_scope`` unless the centre / institution is in this member's scope."""
        ensure_in_scope(
            session,
            self.staff,
            centre_id=centre_id,
            institution_id=institution_id,
            scope=self.scope,
        )


def set_session_cookie(response: Response, request: Request, value: str) -> None:
    set_private_cookie(response, request, SESSION_COOKIE, value, path="/console")


def clear_session_cookie(response: Response, request: Request) -> None:
    clear_private_cookie(response, request, SESSION_COOKIE, path="/console")


def pre_csrf(request: Request) -> str:
    """The sign-in forms' CSRF token: the browser's cookie, or a new one to set."""
    return request.cookies.get(PRE_CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_pre_csrf(response: Response, request: Request, token: str) -> None:
    set_private_cookie(
        response, request, PRE_CSRF_COOKIE, token, path="/console", samesite="strict"
    )


def pending_session(
    request: Request, session: SessionDep, settings: SettingsDep
) -> tuple[ConsoleSession, StaffAccount] | None:
    """The request's session at whatever stage (``None`` without one)."""
    request.state.console_db = session
    try:
        found = sessions.resolve(session, settings, request.cookies.get(SESSION_COOKIE))
    except SessionExpired:
        session.commit()  # the expired row stays deleted
        raise
    if found is not None:
        row, staff = found
        request.state.staff_actor = f"staff:{staff.id}"
        request.state.console_csrf = row.csrf
    return found


def current_staff(request: Request, session: SessionDep, settings: SettingsDep) -> CurrentStaff:
    """The signed-in staff member; :class:`NeedsSignIn` without a full session."""
    try:
        found = pending_session(request, session, settings)
    except SessionExpired as exc:
        raise NeedsSignIn(expired=True) from exc
    if found is None or found[0].stage != "full":
        raise NeedsSignIn()
    row, staff = found
    current = CurrentStaff(staff=staff, scope=scope_of(session, staff), session=row)
    request.state.console_staff = current
    return current


StaffDep = Annotated[CurrentStaff, Depends(current_staff)]


def require_staff(*roles: StaffRole) -> Callable[[CurrentStaff], CurrentStaff]:
    """A dependency: the signed-in staff member if their role is one of ``roles``."""

    def dependency(current: StaffDep) -> CurrentStaff:
        if current.staff.role not in roles:
            raise Forbidden(f"this page is for: {', '.join(roles)}")
        return current

    return dependency


OperatorDep = Annotated[CurrentStaff, Depends(require_staff("operator"))]


async def staff_form(request: Request, current: StaffDep) -> dict[str, str]:
    """A posted form of a signed-in member, its CSRF token checked."""
    form = await read_form(request)
    if not sessions.check_csrf(current.session, form.get("csrf", "")):
        raise CsrfFailed("the form's CSRF token is missing or wrong")
    return form


async def sign_in_form(request: Request) -> dict[str, str]:
    """A posted sign-in form, checked against the double-submit cookie."""
    form = await read_form(request)
    cookie = request.cookies.get(PRE_CSRF_COOKIE, "")
    field = form.get("csrf", "")
    if not cookie or not hmac.compare_digest(cookie.encode(), field.encode()):
        raise CsrfFailed("the form's CSRF token is missing or wrong")
    return form


StaffFormDep = Annotated[dict[str, str], Depends(staff_form)]
SignInFormDep = Annotated[dict[str, str], Depends(sign_in_form)]
