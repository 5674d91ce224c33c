"""Staff sign-in to the JSON API: ``POST /auth/staff-token`` (password and TOTP code).

The token (``cbs_…``) lets a staff member do over the API what their console pages do, in
their role and scope (see :mod:`issuer.api.principals`). It lasts the console's idle
timeout and is not renewed by use; a deactivated account's token stops working at once.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from pydantic import Field

from issuer.api import signin
from issuer.api.auth import TokenResponse
from issuer.api.deps import SettingsDep
from issuer.models import StaffRole
from issuer.models.input import RequestModel
from issuer.staff import signin as staff_signin

router = APIRouter(tags=["auth"])


class StaffTokenRequest(RequestModel):
    login: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=256)
    code: str = Field(
        min_length=6, max_length=8, description="The code the authenticator app shows now."
    )


class StaffTokenResponse(TokenResponse):
    role: StaffRole
    staff_id: int


@router.post("/auth/staff-token")
async def issue_staff_token(
    request: Request, data: StaffTokenRequest, settings: SettingsDep
) -> StaffTokenResponse:
    """Sign a staff member in: ``{login, password, code}`` → a staff bearer token.

    A wrong login or password is ``unauthenticated`` (401) and a wrong, reused or expired
    code ``totp_invalid`` (401); an account that has not enrolled its second factor enrols
    in the console first. Attempts are throttled per account and per client address like
    the console's sign-in (``too_many_attempts``, 429, with ``Retry-After``); both kinds of
    failure and every token issued are audited.
    """
    address = request.client.host if request.client else None
    work = partial(
        staff_signin.token_sign_in,
        request.app.state.engine,
        settings,
        data.login,
        data.password,
        data.code,
        address,
        redis=getattr(request.app.state, "redis", None),
    )
    staff, token = await signin.off_loop(request, work)
    assert staff.id is not None
    return StaffTokenResponse(
        access_token=token,
        expires_in=int(60 * settings.staff_idle_minutes),
        role=staff.role,
        staff_id=staff.id,
    )
