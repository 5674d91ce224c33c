"""The portal's cookies: the learner's session and the CSRF double-submit token.

The session cookie carries the learner's bearer token from :mod:`issuer.core.security`
(HttpOnly, so page scripts cannot read it; SameSite=Lax, so other sites' forms do not
send it; Secure over HTTPS). Only the ``/portal`` pages read it: the JSON API keeps
requiring ``Authorization: Bearer``, so a cookie never authorises an API call.

Every form post also carries a CSRF token that must equal the ``cb_csrf`` cookie
(double submit). A page on another site can neither read that cookie nor set it, so it
cannot forge the form field, including on the sign-in form itself (login CSRF).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs

from fastapi import Request, Response
from sqlmodel import Session

from issuer.core import security
from issuer.core.cookies import clear_private_cookie, set_private_cookie
from issuer.core.errors import Unauthenticated
from issuer.core.settings import Settings
from issuer.models import Learner

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "check_csrf",
    "clear_session",
    "csrf_token",
    "current_learner",
    "read_form",
    "read_form_lists",
    "set_csrf",
    "set_session",
]

SESSION_COOKIE = "cb_session"
CSRF_COOKIE = "cb_csrf"
#: Longest form body read; the portal's forms hold a few short fields.
MAX_FORM_BYTES = 4096


def current_learner(request: Request, session: Session, settings: Settings) -> Learner | None:
    """The signed-in learner, or ``None`` (no cookie, or an invalid or expired token)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return security.learner_from_token(session, settings, token)
    except Unauthenticated:
        return None


def set_session(response: Response, request: Request, settings: Settings, token: str) -> None:
    set_private_cookie(
        response,
        request,
        SESSION_COOKIE,
        token,
        path="/portal",
        max_age=60 * settings.learner_token_minutes,
    )


def clear_session(response: Response, request: Request) -> None:
    clear_private_cookie(response, request, SESSION_COOKIE, path="/portal")


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser: its cookie's value, or a new one to set."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def set_csrf(response: Response, request: Request, token: str) -> None:
    set_private_cookie(response, request, CSRF_COOKIE, token, path="/portal", samesite="strict")


async def read_form(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form post (first value of each); empty when malformed."""
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/x-www-form-urlencoded"
    ):
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {name: values[0] for name, values in fields.items()}


async def read_form_lists(request: Request, max_fields: int = 120) -> dict[str, list[str]]:
    """Every value of each field of an urlencoded form post (checkbox groups).

    Empty when malformed, like :func:`read_form`.
    """
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/x-www-form-urlencoded"
    ):
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES * 4:
        return {}
    try:
        return parse_qs(body.decode("utf-8"), max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        return {}


def check_csrf(request: Request, form: dict[str, str]) -> bool:
    """Whether the form's ``csrf`` field matches the browser's CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    field = form.get("csrf", "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), field.encode())
