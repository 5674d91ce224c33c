"""The learner's own account in the portal: open it online, change or reset the password.

``/portal/register`` opens an account (:mod:`issuer.bank.registration`) and shows the new
account number; ``/portal/privacy`` is the notice it accepts; ``/portal/password``
changes the password of the signed-in learner; ``/portal/password/forgot`` asks for a
reset code by email and ``/portal/password/reset`` sets a new password with a code
(:mod:`issuer.bank.passwords`). argon2 runs off the event loop, in the sign-in executor.
Every refusal is shown on the form again, in words, in the reader's language.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.api import learner_refusals
from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.signin import off_loop
from issuer.bank import passwords, registration
from issuer.bank.accounts import get_learner
from issuer.core import mail, security, throttle
from issuer.core.errors import CreditBankError, TooManyAttempts, Unauthenticated, WrongPassword
from issuer.core.i18n import N_
from issuer.core.password_policy import MIN_LENGTH
from issuer.core.settings import Settings
from issuer.models import LearnerPublic, LearnerRegister
from issuer.portal import _session
from issuer.portal.pages import _page, _refused, _to_sign_in, translate

router = APIRouter(prefix="/portal", include_in_schema=False)

#: Refusals by error code, in words for the learner.
_REFUSALS = {
    "weak_password": N_(
        "Choose a password of at least %(length)s characters with letters and digits, not a "
        "common one, and without your date of birth or ID number."
    ),
    "privacy_not_accepted": N_("Please read and accept the privacy notice."),
    "invalid_national_id": N_(
        "This is not a valid national ID number: check its 18 characters and the date of birth."
    ),
    "learner_exists": N_(
        "An account for this national ID number already exists. Sign in, or reset your password."
    ),
    "reset_code_invalid": N_("The code is wrong or has expired. Ask for a new one."),
    "wrong_password": N_("The current password is not right."),
    "not_found": N_("The code is wrong or has expired. Ask for a new one."),
}
#: Form fields refused by their shape, in words.
_FIELDS = {
    "name": N_("Enter your name as on your ID card."),
    "national_id": N_(
        "This is not a valid national ID number: check its 18 characters and the date of birth."
    ),
    "mobile": N_("Enter your 11-digit mobile number."),
    "email": N_("Enter an email address like name@example.com, or leave it empty."),
    "password": N_("Enter a password."),
    "privacy_version": N_("Please read and accept the privacy notice."),
}
_MISMATCH = N_("The two passwords are not the same.")


def _refusal(request: Request, exc: CreditBankError) -> str:
    if isinstance(exc, TooManyAttempts):
        return translate(
            request, "Too many attempts; try again in %(seconds)s s.", seconds=exc.retry_after
        )
    message = _REFUSALS.get(exc.code, N_("This could not be done: %(reason)s"))
    return translate(request, message, length=MIN_LENGTH, reason=exc.detail)


def _field_refusal(request: Request, exc: ValidationError) -> str:
    field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "name"
    return translate(request, _FIELDS.get(field, _FIELDS["name"]))


# -- opening an account ---------------------------------------------------------------


@router.get("/privacy")
def privacy_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _page(request, settings, "privacy.html", version=registration.PRIVACY_VERSION)


@router.get("/register")
def register_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _page(request, settings, "register.html", form={}, version=registration.PRIVACY_VERSION)


def _open(engine: Engine, settings: Settings, data: LearnerRegister, address: str) -> LearnerPublic:
    limit = throttle.Limit(f"register:{address}"[:80], settings.signin_free_attempts_per_address)
    throttle.count_attempt(engine, settings, [limit])
    with Session(engine) as session:
        opened = registration.register(session, settings, data)
        session.commit()
    return opened


@router.post("/register")
async def register(request: Request, settings: SettingsDep) -> Response:
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/register")
    kept = {name: form.get(name, "")[:100] for name in ("name", "mobile", "email")}

    def again(error: str, status_code: int = 422) -> HTMLResponse:
        return _page(
            request,
            settings,
            "register.html",
            status_code=status_code,
            error=error,
            form=kept,
            version=registration.PRIVACY_VERSION,
        )

    if form.get("password", "") != form.get("password_again", ""):
        return again(translate(request, _MISMATCH))
    try:
        data = LearnerRegister(
            name=form.get("name", "").strip(),
            national_id=form.get("national_id", "").strip(),
            mobile=form.get("mobile", "").strip(),
            email=form.get("email", "").strip() or None,
            password=form.get("password", ""),
            privacy_version=form.get("privacy", ""),
        )
    except ValidationError as exc:
        return again(_field_refusal(request, exc))
    address = request.client.host if request.client else "unknown"
    try:
        opened = await off_loop(
            request, partial(_open, request.app.state.engine, settings, data, address)
        )
    except CreditBankError as exc:
        return again(_refusal(request, exc), 429 if isinstance(exc, TooManyAttempts) else 422)
    return _page(request, settings, "registered.html", status_code=201, opened=opened)


# -- changing and resetting the password ------------------------------------------------


@router.get("/password")
def password_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None:
        return _to_sign_in()
    return _page(request, settings, "password.html", learner=learner)


def _change(
    engine: Engine, settings: Settings, learner_id: int, current: str, new: str, address: str
) -> None:
    try:
        security.sign_in(engine, settings, learner_id, current, address)
    except Unauthenticated:
        raise WrongPassword("the current password is not right") from None
    with Session(engine) as session:
        passwords.change(session, get_learner(session, learner_id), new)
        session.commit()


@router.post("/password")
async def change_password(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/password")

    def again(error: str, status_code: int = 422) -> HTMLResponse:
        return _page(
            request,
            settings,
            "password.html",
            learner=learner,
            status_code=status_code,
            error=error,
        )

    new = form.get("new_password", "")
    if new != form.get("new_password_again", ""):
        return again(translate(request, _MISMATCH))
    address = request.client.host if request.client else "unknown"
    work = partial(
        _change,
        request.app.state.engine,
        settings,
        learner.id,
        form.get("password", ""),
        new,
        address,
    )
    try:
        await off_loop(request, work)
    except CreditBankError as exc:
        learner_refusals.record_apart(
            request.app.state.engine, "password_change", exc.code, exc.detail, learner_id=learner.id
        )
        return again(_refusal(request, exc), exc.status)
    done = translate(request, "Your password is changed.")
    return _page(
        request,
        settings,
        "message.html",
        learner=learner,
        message=done,
        done=True,
        back="/portal/account",
    )


@router.get("/password/forgot")
def forgot_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _page(request, settings, "forgot.html", mail=mail.enabled(settings))


def _request_code(
    engine: Engine, settings: Settings, learner_id: int, nid: str, address: str
) -> None:
    limit = throttle.Limit(
        f"reset-request:{address}"[:80], settings.signin_free_attempts_per_address
    )
    throttle.count_attempt(engine, settings, [limit])
    with Session(engine) as session:
        passwords.request_by_email(session, settings, learner_id, nid)
        session.commit()


@router.post("/password/forgot")
async def forgot(request: Request, settings: SettingsDep) -> Response:
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/password/forgot")
    raw_id = form.get("learner_id", "").strip()
    if raw_id.isdigit() and len(raw_id) <= 12 and mail.enabled(settings):
        address = request.client.host if request.client else "unknown"
        work = partial(
            _request_code,
            request.app.state.engine,
            settings,
            int(raw_id),
            form.get("national_id", "")[:32],
            address,
        )
        try:
            await off_loop(request, work)
        except TooManyAttempts as exc:
            error = _refusal(request, exc)
            return _page(request, settings, "forgot.html", status_code=429, error=error, mail=True)
    # The same answer whether or not an account matched: the form reveals no account.
    return _page(
        request,
        settings,
        "reset.html",
        sent=True,
        learner_id=raw_id[:12],
        minutes=settings.reset_code_minutes,
    )


@router.get("/password/reset")
def reset_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _page(request, settings, "reset.html", sent=False, learner_id="")


@router.post("/password/reset")
async def reset(request: Request, settings: SettingsDep) -> Response:
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/password/reset")
    raw_id = form.get("learner_id", "").strip()[:12]

    def again(error: str, status_code: int = 422) -> HTMLResponse:
        return _page(
            request,
            settings,
            "reset.html",
            status_code=status_code,
            error=error,
            sent=False,
            learner_id=raw_id,
        )

    new = form.get("new_password", "")
    if new != form.get("new_password_again", ""):
        return again(translate(request, _MISMATCH))
    if not raw_id.isdigit():
        return again(translate(request, _REFUSALS["reset_code_invalid"]))
    address = request.client.host if request.client else None
    work = partial(
        passwords.reset,
        request.app.state.engine,
        settings,
        int(raw_id),
        form.get("code", "")[:32],
        new,
        address=address,
    )
    try:
        await off_loop(request, work)
    except CreditBankError as exc:
        learner_refusals.record_apart(
            request.app.state.engine, "password_reset", exc.code, exc.detail, learner_id=int(raw_id)
        )
        return again(_refusal(request, exc), exc.status)
    done = translate(request, "Your new password is set. Sign in with it.")
    return _page(request, settings, "message.html", message=done, done=True, back="/portal/sign-in")
