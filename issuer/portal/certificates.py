"""The learner's certificates in the portal: choose entries, get a certificate.

``/portal/certificates`` lists every credential of the learner with its state: valid ones
with their downloads, revoked, suspended or expired ones marked and never offered (their
PDF is refused, :func:`issuer.credentials.certificate.refuse_invalid`). Below, the deposits
that still hold credits, by the learner's own entry numbers, as checkboxes: posting them
issues a ``cbqr`` credential through :func:`issuer.credentials.issuance.issue_cbqr`, the
issuance of the API, and the page then offers its PDF certificate.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from issuer.api import learner_refusals
from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.bank import standing
from issuer.core.errors import CreditBankError
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.credentials import issuance
from issuer.models import Achievement, Credential, Learner, LedgerEntry, utcnow
from issuer.portal import _session
from issuer.portal.pages import LD_FORMATS, TOKEN_FORMATS, _page, _refused, _to_sign_in, translate

router = APIRouter(prefix="/portal", include_in_schema=False)

HOME = "/portal/certificates"
#: At most this many entries on one certificate (the QR code must stay scannable).
MAX_ENTRIES = 8
#: Why no certificate was issued, by error code, in words for the learner.
_REFUSALS = {
    "none_chosen": N_("Choose at least one entry for the certificate."),
    "too_many": N_("Choose at most %(n)s entries for one certificate."),
    "already_transferred": N_("One of these entries was transferred to a university."),
    "already_redeemed": N_("One of these entries was redeemed toward a qualification."),
    "insufficient_credits": N_("One of these entries no longer holds credits."),
}


@dataclass(frozen=True)
class Choice:
    """A deposit that can go on a certificate, as the learner sees it."""

    seq: int
    title: str
    domain: str
    half_credits: int


def choices(session: Session, learner_id: int) -> list[Choice]:
    """The learner's deposits that still hold credits, by their entry number."""
    deposits = standing.standing_deposits(session, learner_id)
    ids = [d.achievement_id for d in deposits if d.achievement_id is not None]
    titles = dict(
        session.exec(
            select(Achievement.id, Achievement.title).where(col(Achievement.id).in_(ids))
        ).all()
    )
    return [
        Choice(d.seq, titles.get(d.achievement_id, ""), d.domain, d.half_credits)
        for d in sorted(deposits, key=lambda d: d.seq)
    ]


def _credentials(session: Session, learner_id: int) -> list[Credential]:
    return list(
        session.exec(
            select(Credential)
            .where(col(Credential.learner_id) == learner_id)
            .order_by(col(Credential.issued_at).desc(), col(Credential.id).desc())
        )
    )


def _render(
    request: Request,
    session: Session,
    settings: Settings,
    learner: Learner,
    *,
    error: str | None = None,
    code: str | None = None,
    status_code: int = 200,
) -> Response:
    assert learner.id is not None
    return _page(
        request,
        settings,
        "certificates.html",
        learner=learner,
        status_code=status_code,
        credentials=_credentials(session, learner.id),
        choices=choices(session, learner.id),
        fresh=request.query_params.get("new", "")[:32],
        now=utcnow(),
        token_formats=TOKEN_FORMATS,
        ld_formats=LD_FORMATS,
        max_entries=MAX_ENTRIES,
        error=error,
        code=code,
    )


@router.get("/certificates")
def certificates_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    return _render(request, session, settings, learner)


@router.post("/certificates")
async def get_certificate(
    request: Request, session: SessionDep, settings: SettingsDep, keystore: KeyStoreDep
) -> Response:
    form = await _session.read_form_lists(request)
    first = {name: values[0] for name, values in form.items()}
    if not _session.check_csrf(request, first):
        return _refused(request, settings, HOME)
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    wanted = list(dict.fromkeys(v for v in form.get("entry", []) if v.isdigit() and len(v) < 10))
    code = "none_chosen" if not wanted else ("too_many" if len(wanted) > MAX_ENTRIES else "")
    if not code:
        rows = session.exec(
            select(LedgerEntry.seq, LedgerEntry.id).where(
                col(LedgerEntry.learner_id) == learner.id,
                col(LedgerEntry.seq).in_([int(v) for v in wanted]),
            )
        ).all()
        by_seq = {seq: entry_id for seq, entry_id in rows if entry_id is not None}
        ids = [by_seq[int(v)] for v in wanted if int(v) in by_seq]
        try:
            if len(ids) != len(wanted):
                code = "none_chosen"
            else:
                issued = issuance.issue_cbqr(
                    session, settings, keystore, learner.id, ids, actor=f"learner:{learner.id}"
                )
                new = f"{HOME}?new={issued.credential.jti}#credential-{issued.credential.jti}"
                return RedirectResponse(new, status_code=status.HTTP_303_SEE_OTHER)
        except CreditBankError as exc:
            code = exc.code
    learner_refusals.record(session, "issue_certificate", code, learner_id=learner.id)
    message = _REFUSALS.get(code, N_("The certificate could not be issued."))
    return _render(
        request,
        session,
        settings,
        learner,
        error=translate(request, message, n=MAX_ENTRIES),
        code=code,
        status_code=422 if code in ("none_chosen", "too_many") else 409,
    )
