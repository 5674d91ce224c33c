"""A learner's own account: opened online, the password changed or reset.

``POST /learners/register`` and the two password-reset routes need no token (they are
how a learner without one gets in) and are throttled per client address like sign-ins;
changing a password needs the learner's token and the current password; an in-person
reset code is issued by the operator.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from issuer.api import learner_refusals
from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.principals import AdminDep, SelfDep
from issuer.bank import passwords, registration
from issuer.core import security, throttle
from issuer.core.errors import Unauthenticated, WrongPassword
from issuer.models import (
    LearnerPublic,
    LearnerRegister,
    PasswordChange,
    PasswordReset,
    PasswordResetRequest,
    ResetCodeIssued,
)
from issuer.models.input import RowId

router = APIRouter(tags=["learners"])


class PrivacyNotice(BaseModel):
    version: str
    url: str


class ResetRequested(BaseModel):
    detail: str


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _count_by_address(request: Request, what: str) -> None:
    """Count one attempt of ``what`` from the caller's address (``too_many_attempts``)."""
    settings = request.app.state.settings
    address = _address(request) or "unknown"
    limit = throttle.Limit(f"{what}:{address}"[:80], settings.signin_free_attempts_per_address)
    throttle.count_attempt(request.app.state.engine, settings, [limit])


@router.get("/privacy")
def privacy_notice() -> PrivacyNotice:
    """The version of the privacy notice an account opened online accepts."""
    return PrivacyNotice(version=registration.PRIVACY_VERSION, url="/portal/privacy")


@router.post("/learners/register", status_code=status.HTTP_201_CREATED)
def register(
    data: LearnerRegister, request: Request, session: SessionDep, settings: SettingsDep
) -> LearnerPublic:
    """Open an account online, as the learner: name, national ID (check digit and date of
    birth validated, never stored in clear), mobile number, optional email address (for
    password resets), password (``weak_password``) and the privacy notice's version
    (``privacy_not_accepted`` unless it is the current one). A second account for the same
    ID is 409 ``learner_exists``. Throttled per address."""
    _count_by_address(request, "register")
    return registration.register(session, settings, data)


@router.post("/learners/{learner_id}/password-change", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    learner_id: RowId,
    data: PasswordChange,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    learner: SelfDep,
) -> Response:
    """Change the password with the current one (403 ``wrong_password``; attempts are
    throttled like sign-ins). Tokens issued before stay valid until they expire."""
    try:
        security.sign_in(
            request.app.state.engine,
            settings,
            learner_id,
            data.current_password,
            _address(request),
            redis=request.app.state.redis,
        )
    except Unauthenticated:
        raise WrongPassword("the current password is not right") from None
    session.refresh(learner)  # sign_in may have rehashed it in its own transaction
    passwords.change(session, learner, data.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/learners/{learner_id}/password-reset-codes", status_code=status.HTTP_201_CREATED)
def issue_reset_code(
    learner_id: RowId, session: SessionDep, settings: SettingsDep, caller: AdminDep
) -> ResetCodeIssued:
    """A one-time password reset code for a certification centre to give the learner in
    person, once they have shown their ID; shown only here, valid ``reset_code_minutes``."""
    return passwords.issue_code(
        session, settings, learner_id, channel="in_person", actor=caller.actor
    )


@router.post("/password-resets/requests", status_code=status.HTTP_202_ACCEPTED)
def request_reset(
    data: PasswordResetRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> ResetRequested:
    """Ask for a reset code by email. The answer is the same whether or not the account
    number and national ID match an account with an address (no account is revealed)."""
    _count_by_address(request, "reset-request")
    passwords.request_by_email(session, settings, data.learner_id, data.national_id)
    return ResetRequested(
        detail="if the account number and national ID match an account with an email "
        "address, a code was sent to it; otherwise ask a certification centre for one"
    )


@router.post("/password-resets", status_code=status.HTTP_204_NO_CONTENT)
def reset_password(data: PasswordReset, request: Request, settings: SettingsDep) -> Response:
    """Set a new password with a reset code (422 ``reset_code_invalid`` when it is wrong,
    expired or used; ``weak_password``; wrong codes throttled per account)."""
    learner_refusals.mark_account(request, data.learner_id)
    passwords.reset(
        request.app.state.engine,
        settings,
        data.learner_id,
        data.code,
        data.new_password,
        address=_address(request),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
