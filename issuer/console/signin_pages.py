"""Console sign-in pages: password, then the TOTP code (or first enrolment), sign-out.

Every success and failure is audited (``console.password_failed``, ``console.password_ok``,
``console.totp_failed``, ``console.signed_in``, ``console.enrolled``, ``console.signed_out``).
A failed step is answered with its page again (401, the code in ``data-code``); a refused
code's audit event is committed alone (:func:`issuer.core.audit.record_refusal`), a refused
password's with the request, since nothing else was written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.api import signin as signin_pool
from issuer.api.deps import EngineDep, SessionDep, SettingsDep
from issuer.console import auth
from issuer.console.render import ConsoleRoute, NeedsSignIn, page, qr_data_url, read_form
from issuer.core import audit, i18n
from issuer.core.errors import CsrfFailed, TotpInvalid, Unauthenticated
from issuer.core.settings import Settings
from issuer.models import ConsoleSession, StaffAccount
from issuer.portal.pages import translate
from issuer.staff import sessions, signin, totp

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _go(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


@router.get("/language/{locale}")
def choose_language(
    locale: str, back: Annotated[str, Query(alias="next", max_length=200)] = "/console"
) -> Response:
    """Remember the reader's language and go back (only to a console page)."""
    if not (back == "/console" or back.startswith("/console/")) or "\\" in back:
        back = "/console"
    response = _go(back)
    if locale in i18n.LOCALES:
        response.set_cookie(
            i18n.COOKIE, locale, max_age=365 * 24 * 3600, path="/", samesite="lax", httponly=True
        )
    return response


def _sign_in_page(request: Request, *, status_code: int = 200, **context: object) -> HTMLResponse:
    token = auth.pre_csrf(request)
    response = page(request, "sign_in.html", status_code=status_code, csrf=token, **context)
    auth.set_pre_csrf(response, request, token)
    return response


@router.get("/sign-in")
def sign_in_page(request: Request, expired: Annotated[int, Query(ge=0, le=1)] = 0) -> HTMLResponse:
    notice = translate(request, "Your session has ended; please sign in again.") if expired else ""
    return _sign_in_page(request, notice=notice)


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    engine: EngineDep,
    form: auth.SignInFormDep,
) -> Response:
    login = form.get("login", "").strip().lower()[:64]
    password = form.get("password", "")[:256]
    redis = getattr(request.app.state, "redis", None)
    keys = signin.limits(settings, login, _address(request))
    signin.count_attempt(engine, settings, keys, redis)
    try:
        staff = (
            signin_pool.executor(request, settings)
            .submit(signin.check_password, session, login, password)
            .result()
        )
    except Unauthenticated:
        audit.record(
            session,
            actor="anonymous",
            action="console.password_failed",
            subject=f"login:{login}"[:64],
            payload={"address": _address(request)},
        )
        error = translate(request, "Wrong login or password.")
        return _sign_in_page(
            request, status_code=401, error=error, code="unauthenticated", login=login
        )
    stage = "code" if staff.totp_enrolled_at is not None else "enrol"
    cookie, _row = sessions.open_session(session, settings, staff, stage)
    audit.record(
        session,
        actor=f"staff:{staff.id}",
        action="console.password_ok",
        subject=f"staff:{staff.id}",
        payload={"stage": stage},
    )
    response = _go("/console/sign-in/code" if stage == "code" else "/console/enrol")
    auth.set_session_cookie(response, request, cookie)
    return response


def _pending(
    request: Request, session: SessionDep, settings: SettingsDep
) -> tuple[ConsoleSession, StaffAccount]:
    found = auth.pending_session(request, session, settings)
    if found is None:
        raise NeedsSignIn()
    return found


PendingDep = Annotated[tuple[ConsoleSession, StaffAccount], Depends(_pending)]


async def _pending_form(request: Request, pending: PendingDep) -> dict[str, str]:
    form = await read_form(request)
    if not sessions.check_csrf(pending[0], form.get("csrf", "")):
        raise CsrfFailed("the form's CSRF token is missing or wrong")
    return form


PendingFormDep = Annotated[dict[str, str], Depends(_pending_form)]


@router.get("/sign-in/code")
def code_page(request: Request, pending: PendingDep) -> Response:
    row, _staff = pending
    if row.stage != "code":
        return _go("/console" if row.stage == "full" else "/console/enrol")
    return page(request, "code.html", csrf=row.csrf)


def _count(
    request: Request, session: SessionDep, settings: Settings, engine: Engine, staff: StaffAccount
) -> None:
    # The throttle counts in a transaction of its own; the request's (which touched the
    # session row) commits first, so that on SQLite the two never wait for each other.
    # A code counts against the account only: the address was counted at the password,
    # and a success takes that one attempt back (see _finish).
    session.commit()
    redis = getattr(request.app.state, "redis", None)
    signin.count_attempt(engine, settings, signin.limits(settings, staff.login, None), redis)


def _finish(
    request: Request,
    session: SessionDep,
    settings: Settings,
    engine: Engine,
    row: ConsoleSession,
    staff: StaffAccount,
    action: str,
) -> Response:
    cookie = sessions.promote(session, settings, row)
    audit.record(
        session, actor=f"staff:{staff.id}", action=action, subject=f"staff:{staff.id}", payload={}
    )
    session.commit()  # before the throttle's own transaction (see _count)
    signin.succeeded(
        engine,
        settings,
        signin.limits(settings, staff.login, _address(request)),
        getattr(request.app.state, "redis", None),
    )
    response = _go("/console")
    auth.set_session_cookie(response, request, cookie)
    return response


def _code_refused(
    request: Request,
    session: SessionDep,
    staff: StaffAccount,
    row: ConsoleSession,
    template: str,
    exc: TotpInvalid,
    context: Callable[[], dict[str, Any]],
) -> HTMLResponse:
    # Nothing of the refused code is kept (the throttle's count committed before it).
    audit.record_refusal(
        session,
        actor=f"staff:{staff.id}",
        action="console.totp_failed",
        subject=f"staff:{staff.id}",
        payload={"why": exc.detail},
        summary=f"a wrong or expired code at console sign-in: {exc.detail}",
        reason=exc.code,
    )
    error = translate(
        request, "The code is wrong or has expired. Enter the code your app shows now."
    )
    # The page's context (an enrolment's QR code) is read after the rollback: a secret made
    # for it now is kept.
    return page(
        request, template, status_code=401, csrf=row.csrf, error=error, code=exc.code, **context()
    )


@router.post("/sign-in/code")
def submit_code(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    engine: EngineDep,
    pending: PendingDep,
    form: PendingFormDep,
) -> Response:
    return _second_factor(
        request,
        session,
        settings,
        engine,
        pending,
        form.get("code", ""),
        stage="code",
        accept=signin.accept_code,
        template="code.html",
        action="console.signed_in",
    )


def _second_factor(
    request: Request,
    session: Session,
    settings: Settings,
    engine: Engine,
    pending: tuple[ConsoleSession, StaffAccount],
    code: str,
    *,
    stage: str,
    accept: Callable[[Session, Settings, StaffAccount, str], object],
    template: str,
    action: str,
    context: Callable[[], dict[str, Any]] = dict,
) -> Response:
    """Check the TOTP code of a sign-in at ``stage`` (code or enrolment), then finish it."""
    row, staff = pending
    if row.stage != stage:
        return _go("/console/sign-in")
    _count(request, session, settings, engine, staff)
    try:
        accept(session, settings, staff, code)
    except TotpInvalid as exc:
        return _code_refused(request, session, staff, row, template, exc, context)
    return _finish(request, session, settings, engine, row, staff, action)


def _enrolment_context(
    session: SessionDep, settings: Settings, staff: StaffAccount
) -> dict[str, Any]:
    secret = signin.enrolment_secret(session, settings, staff)
    uri = totp.provisioning_uri(secret, staff.login)
    # Groups of four, as authenticator apps show a secret typed in by hand.
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"qr": qr_data_url(uri), "secret": grouped}


@router.get("/enrol")
def enrol_page(
    request: Request, session: SessionDep, settings: SettingsDep, pending: PendingDep
) -> Response:
    row, staff = pending
    if row.stage != "enrol":
        return _go("/console" if row.stage == "full" else "/console/sign-in/code")
    return page(
        request, "enrol.html", csrf=row.csrf, **_enrolment_context(session, settings, staff)
    )


@router.post("/enrol")
def submit_enrolment(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    engine: EngineDep,
    pending: PendingDep,
    form: PendingFormDep,
) -> Response:
    _row, staff = pending
    return _second_factor(
        request,
        session,
        settings,
        engine,
        pending,
        form.get("code", ""),
        stage="enrol",
        accept=signin.enrol,
        template="enrol.html",
        action="console.enrolled",
        context=lambda: _enrolment_context(session, settings, staff),
    )


@router.post("/sign-out")
def sign_out(
    request: Request, session: SessionDep, current: auth.StaffDep, form: auth.StaffFormDep
) -> Response:
    sessions.end(session, current.session)
    audit.record(
        session, actor=current.actor, action="console.signed_out", subject=current.actor, payload={}
    )
    response = _go("/console/sign-in")
    auth.clear_session_cookie(response, request)
    return response
