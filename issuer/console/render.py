"""Rendering console pages with the portal's design system, in the reader's language.

The console's templates (``issuer/console/templates/console/``) extend the portal's
``base.html``: the Jinja loader reads the console's folder first, then the portal's, so
the design system has one copy. A refused request (any :class:`CreditBankError` out of a
console route, see :class:`ConsoleRoute`) becomes a page with the message in the reader's
language and the machine code in ``data-code``; 401s and expired sessions go back to the
sign-in page. Refusals are audited in a transaction of their own, because the request's
own transaction is rolled back with the refused action.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable, Coroutine
from functools import cache
from typing import Any
from urllib.parse import parse_qs

import qrcode
from fastapi import Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from sqlmodel import Session

from issuer.core import audit, i18n
from issuer.core.errors import (
    ConflictOfInterest,
    CreditBankError,
    Forbidden,
    SessionExpired,
    StandardContradiction,
    Unauthenticated,
)
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.portal.pages import LANGUAGES, locale_of, translate

__all__ = [
    "HEADERS",
    "ConsoleRoute",
    "NeedsSignIn",
    "form_refusal",
    "page",
    "qr_data_url",
    "read_form",
    "refusal_words",
    "to_sign_in",
]

logger = logging.getLogger("issuer.console")
#: The console's own pages; like the portal's, no script and inline styles only.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: Longest form body read; the console's forms hold a few short fields.
MAX_FORM_BYTES = 8192
#: What each refusal says to the reader, by code.
MESSAGES = {
    "csrf_failed": N_(
        "This form did not come from its page, or the page is too old. "
        "Reload the page and try again."
    ),
    "out_of_scope": N_("This is outside your scope: you can open only your own centre's work."),
    "forbidden": N_("Your role cannot open this page."),
    "totp_invalid": N_("The code is wrong or has expired. Enter the code your app shows now."),
    "not_found": N_("There is nothing here."),
    "invalid_request": N_("Some of the input is not valid."),
    "org_unit_exists": N_("An organisation unit with this code exists already."),
    "institution_exists": N_("An institution with this code exists already."),
    "staff_exists": N_("This login is taken."),
    "too_many_attempts": N_("Too many attempts; try again later."),
    "conflict": N_("This cannot be done in the current state."),
    "recognition_decided": N_("This application has been decided already."),
    "conflict_of_interest": N_(
        "You may not vote on this case: you are affiliated with the institution it concerns."
    ),
    "already_voted": N_("You have voted on this case already."),
    "case_closed": N_("This case has been decided already."),
    "standard_contradiction": N_(
        "Two rules of this draft match the same achievements. Change the matches of one of them."
    ),
    "standard_state": N_("This version of the standard cannot be changed in its current state."),
    "consent_used": N_("This application was recorded already: a consent is used once."),
    "consent_required": N_("The learner's consent does not cover this (withdrawn or expired)."),
    "already_transferred": N_("Some of these credits were transferred already."),
    "csv_unreadable": N_(
        "This file is not a CSV file in UTF-8. Save it as CSV (UTF-8) and try again."
    ),
    "csv_header": N_("The first row of this file does not name the columns this import needs."),
    "learner_exists": N_("This national ID has an account already."),
    "achievement_exists": N_("Your institution has recorded this reference already."),
    "duplicate_certificate": N_("This certificate is recorded already."),
    "invalid_national_id": N_("This national ID is not valid."),
    "payload_too_large": N_("This file is too large."),
}
ROLE_NAMES: dict[str, str] = {
    "operator": N_("Operator"),
    "centre_manager": N_("Centre manager"),
    "reviewer": N_("Reviewer"),
    "registrar": N_("Registrar"),
    "committee": N_("Committee member"),
    "institution": N_("Institution staff"),
}
KIND_NAMES: dict[str, str] = {
    "university": N_("University"),
    "vocational_school": N_("Vocational school"),
    "training_body": N_("Training body"),
    "enterprise": N_("Enterprise"),
    "certifying_body": N_("Certifying body"),
}
LEVEL_NAMES: dict[str, str] = {
    "province": N_("Provincial centre"),
    "sub_centre": N_("Certification sub-centre"),
    "point": N_("Certification point"),
}


class NeedsSignIn(Exception):
    """No live console session: the reader goes to the sign-in page."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("sign in")
        self.expired = expired


@cache
def _environment(locale: str) -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("issuer.console", "templates"),
                PackageLoader("issuer.portal", "templates"),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    staff: Any = None,
    csrf: str = "",
    **context: Any,
) -> HTMLResponse:
    """Render ``console/<template>`` for the reader (``staff`` is a CurrentStaff or None)."""
    settings: Settings = request.app.state.settings
    locale = locale_of(request)
    gettext = i18n.translations(locale).gettext
    html = (
        _environment(locale)
        .get_template(f"console/{template}")
        .render(
            locale=locale,
            html_lang=i18n.html_lang(locale),
            languages=LANGUAGES,
            language_path="/console/language",
            here=request.url.path,
            issuer_name=settings.issuer_name_zh if locale == "zh_Hans" else settings.issuer_name_en,
            current=staff,
            csrf=csrf,
            role_name=lambda role: gettext(ROLE_NAMES.get(role) or role),
            level_name=lambda level: gettext(LEVEL_NAMES.get(level) or level),
            kind_name=lambda kind: gettext(KIND_NAMES.get(kind) or kind),
            title=lambda item: item.name_zh if locale == "zh_Hans" else item.name_en,
            datetime=lambda value: i18n.format_datetime(value, locale),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def to_sign_in(expired: bool = False) -> RedirectResponse:
    target = "/console/sign-in?expired=1" if expired else "/console/sign-in"
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


async def read_form(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form post (first value of each); empty when malformed."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/x-www-form-urlencoded":
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=30)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {name: values[0] for name, values in fields.items()}


def qr_data_url(text: str) -> str:
    """A PNG of ``text`` as a QR code, as a ``data:`` URL for an ``<img>``."""
    image = qrcode.make(text, box_size=6, border=2)
    out = io.BytesIO()
    image.save(out)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _audit_refusal(request: Request, exc: CreditBankError) -> None:
    event: dict[str, Any] = {
        "actor": getattr(request.state, "staff_actor", None) or "anonymous",
        "action": f"console.refused.{exc.code}",
        "subject": request.url.path[:64],
        "payload": {"method": request.method, "detail": exc.detail},
        "summary": f"refused: {exc.detail}",
        "reason": exc.code,
    }
    # The request's own transaction, once it has one, is rolled back (nothing of the
    # refused action stays) and then carries the audit event alone: a second connection
    # would wait for its lock on SQLite.
    own: Session | None = getattr(request.state, "console_db", None)
    if own is not None:
        audit.record_refusal(own, **event)
        return
    with Session(request.app.state.engine) as session:
        audit.record_refusal(session, **event)


#: The message of a refusal that has no words of its own in :data:`MESSAGES`. (A module
#: constant: the catalog extractor does not see an ``N_`` nested in another call.)
REFUSED = N_("The request was refused.")


def refusal_words(request: Request, exc: CreditBankError) -> str:
    """What a refusal says to the reader, in their language."""
    return translate(request, MESSAGES.get(exc.code, REFUSED))


def form_refusal(
    request: Request, error: CreditBankError | None, message: str | None = None
) -> dict[str, Any]:
    """The ``page`` arguments of a form shown again with its refusal (none: status 200)."""
    if error is None:
        return {"status_code": 200, "error": None, "error_detail": "", "code": ""}
    return {
        "status_code": error.status,
        "error": message or refusal_words(request, error),
        "error_detail": error.detail,
        "code": error.code,
    }


def refusal_page(request: Request, exc: CreditBankError) -> Response:
    """The page for a refused console request."""
    message = refusal_words(request, exc)
    if isinstance(exc, Forbidden | Unauthenticated | ConflictOfInterest | StandardContradiction):
        _audit_refusal(request, exc)
    return page(
        request,
        "message.html",
        status_code=exc.status,
        staff=getattr(request.state, "console_staff", None),
        csrf=getattr(request.state, "console_csrf", ""),
        message=message,
        code=exc.code,
        detail=exc.detail if exc.status < 500 else "",
    )


class ConsoleRoute(APIRoute):
    """A console route: refusals become pages, a missing session the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except NeedsSignIn as exc:
                return to_sign_in(exc.expired)
            except SessionExpired:
                return to_sign_in(True)
            except CreditBankError as exc:
                return refusal_page(request, exc)

        return handler
