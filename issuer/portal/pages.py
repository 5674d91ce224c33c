"""The learner portal's pages under ``/portal`` (server-rendered HTML, no script).

Sign in with the account number and password (:mod:`issuer.core.security`), then one
overview page: balance by domain, every ledger entry with the standard and rule behind
it, progress toward a chosen qualification, disputes, and downloads (PDF certificate
and QR PNG of each QR credential, the JWT of Open Badges / CLR credentials, a wallet
offer). Pages are left out of the OpenAPI description: they are for people.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session, col, select

from issuer.api import learner_refusals, signin
from issuer.api.deps import SessionDep, SettingsDep
from issuer.bank import accounts, ledger, qualifications, transfer_view
from issuer.committee import disputes
from issuer.conversion import recognitions
from issuer.core import i18n, labels
from issuer.core.errors import (
    CredentialExpired,
    CredentialRevoked,
    CredentialSuspended,
    CreditBankError,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.credentials import certificate, issuance
from issuer.credentials.oid4vci import offers
from issuer.credentials.qr_image import render_png
from issuer.models import Credential, CredentialOfferCreate, Learner
from issuer.models.input import INT4_MAX
from issuer.portal import _session
from issuer.portal.entry_words import named, standard_titles

router = APIRouter(prefix="/portal", include_in_schema=False)
#: The start page at ``/``: where learners, employers, universities and staff go.
home = APIRouter(include_in_schema=False)


@cache
def _environment(locale: str) -> Environment:
    """The templates, with gettext installed for ``locale`` (one environment per language)."""
    env = Environment(
        loader=PackageLoader("issuer.portal", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


#: Why a wallet offer was refused, by error code, in words for the learner.
_OFFER_REFUSALS = {
    "not_recognised": N_("You have no credits to add to a wallet yet."),
    "not_found": N_("You have no credits to add to a wallet yet."),
}
#: Why a credential has no certificate, by error code, in words for the learner.
_NO_CERTIFICATE = {
    "credential_revoked": N_(
        "This credential was revoked, so it has no certificate: it is no longer valid."
    ),
    "credential_suspended": N_(
        "This credential is suspended, so it has no certificate until it is reinstated."
    ),
    "credential_expired": N_("This credential has expired, so it has no certificate."),
}
#: The language switch: each language named in itself.
LANGUAGES = (("zh_Hans", "中文"), ("en", "English"))
_WORDS = {
    "entry_kind": labels.ENTRY_KINDS,
    "credential_status": labels.CREDENTIAL_STATUSES,
    "format": labels.CREDENTIAL_FORMATS,
    "case_status": labels.CASE_STATUSES,
    "achievement_kind": labels.ACHIEVEMENT_KINDS,
    "domain": labels.DOMAINS,
    "application_state": labels.APPLICATION_STATES,
    "consent_action": labels.CONSENT_ACTIONS,
    "consent_kind": labels.CONSENT_KINDS,
    "recognition_status": labels.RECOGNITION_STATUSES,
}


def locale_of(request: Request) -> str:
    """The reader's language: the ``cb_lang`` cookie, else ``Accept-Language``, else Chinese."""
    return i18n.negotiate(request.headers.get("accept-language"), request.cookies.get(i18n.COOKIE))


def translate(request: Request, message: str, **values: Any) -> str:
    """``message`` in the reader's language, with ``%(name)s`` placeholders filled."""
    text = i18n.translations(locale_of(request)).gettext(message)
    return text % values if values else text


#: Page scripts are none; styles are inline; images are ours or data: URLs (offer QR).
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: Ledger entries on one page of the account overview.
ENTRIES_PER_PAGE = 50
#: Credential formats downloadable as their token (a JWT file).
TOKEN_FORMATS = frozenset({"ob3+jwt", "clr+jwt"})
#: Formats downloadable as a JSON-LD file (the credential with its Data Integrity proof).
LD_FORMATS = frozenset({"ob3+ldp", "clr+ldp"})


def _credits(half: int) -> str:
    return str(half // 2) if half % 2 == 0 else f"{half / 2}"


def _page(
    request: Request,
    settings: Settings,
    template: str,
    *,
    learner: Learner | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    csrf = _session.csrf_token(request)
    locale = locale_of(request)
    gettext = i18n.translations(locale).gettext
    titles: dict[str, tuple[str, str]] = context.pop("standard_titles", {})

    def standard_name(ref: str) -> str:
        found = titles.get(ref)
        return (found[0] if locale == "zh_Hans" else found[1]) if found else ref

    def explain_entry(entry: Any) -> str:
        """An entry's stored explanation in the reader's words (entry_words)."""
        text = labels.in_language(entry.explanation, locale)
        return named(text, entry.standard, entry.rule, titles, locale)

    def explain_decision(decision: Any) -> str:
        """A decision's explanation (a preview, not yet stored) in the reader's words."""
        text = decision.explanation_zh if locale == "zh_Hans" else decision.explanation_en
        return named(text, decision.standard, decision.rule, titles, locale)

    def word(kind: str, value: str) -> str:
        message = _WORDS[kind].get(value)
        return gettext(message) if message else value

    html = (
        _environment(locale)
        .get_template(template)
        .render(
            locale=locale,
            html_lang=i18n.html_lang(locale),
            languages=LANGUAGES,
            here=request.url.path,
            issuer_name=settings.issuer_name_zh if locale == "zh_Hans" else settings.issuer_name_en,
            learner=learner,
            csrf=csrf,
            credits=_credits,
            domain_name=lambda code: word("domain", code),
            word=word,
            explain=lambda text: labels.in_language(text, locale),
            standard_name=standard_name,
            explain_entry=explain_entry,
            explain_decision=explain_decision,
            title=lambda item: item.title_zh if locale == "zh_Hans" else item.title_en,
            date=lambda value: i18n.format_date(value, locale),
            datetime=lambda value: i18n.format_datetime(value, locale),
            number=lambda value: i18n.format_decimal(value, locale),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status_code, headers=_HEADERS)
    _session.set_csrf(response, request, csrf)
    return response


def _to_sign_in() -> RedirectResponse:
    return RedirectResponse("/portal/sign-in", status_code=status.HTTP_303_SEE_OTHER)


def _refused(request: Request, settings: Settings, back: str) -> HTMLResponse:
    message = translate(request, "The form has expired; please try again.")
    return _page(request, settings, "message.html", status_code=403, message=message, back=back)


@home.get("/")
def start_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _page(request, settings, "home.html")


@router.get("")
def portal_home() -> RedirectResponse:
    return RedirectResponse("/portal/account", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/language/{locale}")
def choose_language(
    locale: str, back: Annotated[str, Query(alias="next", max_length=200)] = "/portal"
) -> Response:
    """Remember the reader's language in a cookie and go back to the page they were on.

    Only our own pages are gone back to (``/`` or under ``/portal``): never another site.
    """
    if not (back == "/" or back.startswith("/portal/") or back == "/portal") or "\\" in back:
        back = "/portal"
    response = RedirectResponse(back, status_code=status.HTTP_303_SEE_OTHER)
    if locale in i18n.LOCALES:
        response.set_cookie(
            i18n.COOKIE, locale, max_age=365 * 24 * 3600, path="/", samesite="lax", httponly=True
        )
    return response


@router.get("/sign-in")
def sign_in_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _page(request, settings, "sign_in.html")


@router.post("/sign-in")
async def sign_in(request: Request, settings: SettingsDep) -> Response:
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/sign-in")
    raw_id = form.get("learner_id", "").strip()
    try:
        if not raw_id.isdigit() or len(raw_id) > 12:
            raise Unauthenticated("not an account number")
        token = await signin.sign_in(request, int(raw_id), form.get("password", ""))
    except Unauthenticated as exc:
        if raw_id.isdigit() and len(raw_id) <= 12:
            learner_refusals.record_apart(
                request.app.state.engine, "sign_in", exc.code, learner_id=int(raw_id)
            )
        error = translate(request, "Wrong account number or password.")
        return _page(
            request, settings, "sign_in.html", status_code=401, error=error, learner_id=raw_id[:12]
        )
    except TooManyAttempts as exc:
        error = translate(
            request, "Too many attempts; try again in %(seconds)s s.", seconds=exc.retry_after
        )
        page = _page(
            request, settings, "sign_in.html", status_code=429, error=error, learner_id=raw_id[:12]
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse("/portal/account", status_code=status.HTTP_303_SEE_OTHER)
    _session.set_session(response, request, settings, token)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, settings: SettingsDep) -> Response:
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/account")
    response = _to_sign_in()
    _session.clear_session(response, request)
    return response


@router.get("/account")
def account_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    pathway: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int, Query(ge=0, le=INT4_MAX)] = 0,
) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    paths = list(qualifications.pathways().values())
    chosen = pathway if pathway in {p.id for p in paths} else (paths[0].id if paths else None)
    progress = qualifications.progress(session, learner.id, chosen) if chosen else None
    percent = 0
    if progress is not None and progress.required_credits > 0:
        percent = min(100, int(100 * progress.counted_credits / progress.required_credits))
    items, _total = disputes.list_disputes(session, learner_id=learner.id, limit=100, offset=0)
    # The balances cover every entry; the entries are listed a page at a time.
    account = accounts.account_view(
        session, learner.id, ledger.EntryQuery(limit=ENTRIES_PER_PAGE, after=after)
    )
    return _page(
        request,
        settings,
        "account.html",
        learner=learner,
        account=account,
        after=after,
        entry_seq=ledger.seqs(session, [d.ledger_entry_id for d in items]),
        standard_titles=standard_titles(session, (e.standard for e in account.entries)),
        pathways=paths,
        progress=progress,
        percent=percent,
        disputes=items,
        reviews=recognitions.held_for(session, learner.id),
        credentials=_credentials(session, learner.id),
        token_formats=TOKEN_FORMATS,
        ld_formats=LD_FORMATS,
        wallet=True,
        **transfer_view.account_context(session, learner.id),
    )


def _credentials(session: Session, learner_id: int) -> list[Credential]:
    statement = (
        select(Credential)
        .where(col(Credential.learner_id) == learner_id)
        .order_by(col(Credential.issued_at), col(Credential.id))
    )
    return list(session.exec(statement))


def _own_credential(
    request: Request, session: Session, settings: Settings, jti: str
) -> Credential | None:
    """The signed-in learner's credential ``jti``; ``None`` when nobody is signed in."""
    learner = _session.current_learner(request, session, settings)
    if learner is None:
        return None
    credential = issuance.get_credential(session, jti)
    if credential.learner_id != learner.id:
        raise NotFound(f"no credential {jti}")  # others' credentials do not exist for you
    return credential


@router.get("/credentials/{jti}/certificate.pdf")
def portal_certificate(
    jti: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    credential = _own_credential(request, session, settings, jti)
    if credential is None:
        return _to_sign_in()
    try:
        _, pdf = certificate.certificate_for(session, settings, credential.jti, locale_of(request))
    except (CredentialRevoked, CredentialSuspended, CredentialExpired) as exc:
        learner_refusals.record(
            session, "certificate", exc.code, exc.detail, learner_id=credential.learner_id
        )
        return _page(
            request,
            settings,
            "message.html",
            learner=_session.current_learner(request, session, settings),
            status_code=exc.status,
            message=translate(request, _NO_CERTIFICATE[exc.code]),
            code=exc.code,
            back="/portal/certificates",
        )
    disposition = f'attachment; filename="certificate-{credential.jti}.pdf"'
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@router.get("/credentials/{jti}/qr.png")
def portal_qr(jti: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    credential = _own_credential(request, session, settings, jti)
    if credential is None:
        return _to_sign_in()
    certificate.read_claims(credential)  # QR codes exist for cbqr credentials only
    png = render_png(issuance.qr_text_of(credential, settings))
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/credentials/{jti}/token")
def portal_token(
    jti: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    credential = _own_credential(request, session, settings, jti)
    if credential is None:
        return _to_sign_in()
    if credential.format not in TOKEN_FORMATS | LD_FORMATS:
        raise NotFound(f"credential {jti} has no downloadable token")
    ld = credential.format in LD_FORMATS
    name = f"{credential.format.split('+')[0]}-{credential.jti}.{'json' if ld else 'jwt'}"
    return Response(
        credential.token,
        media_type="application/vc+ld+json" if ld else "application/jwt",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/wallet-offer")
async def wallet_offer(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/account")
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    try:
        offer = offers.create_offer(
            session,
            settings,
            learner.id,
            CredentialOfferCreate(),
            created_by=f"learner:{learner.id}",
        )
    except CreditBankError as exc:  # e.g. no deposits to offer yet
        learner_refusals.record(
            session, "wallet_offer", exc.code, exc.detail, learner_id=learner.id
        )
        message = _OFFER_REFUSALS.get(exc.code, N_("The wallet offer could not be made."))
        return _page(
            request,
            settings,
            "message.html",
            learner=learner,
            status_code=exc.status,
            message=translate(request, message),
            back="/portal/account",
        )
    # The offer by reference: the wallet fetches it, and the QR code is a fraction the size.
    qr = base64.b64encode(render_png(offer.offer_reference_uri)).decode("ascii")
    return _page(
        request,
        settings,
        "wallet_offer.html",
        learner=learner,
        offer=offer,
        link=offer.offer_reference_uri,
        qr=f"data:image/png;base64,{qr}",
    )
