"""The learner's disputes in the portal: dispute an entry from that entry, then follow it.

Entries are named by the learner's own numbering (``seq``, the "No." of the account
page) everywhere here, never by the ledger's global id. ``/portal/entries/{seq}/dispute``
shows the entry, the last day it can be disputed and a grounds field; posting it files the
dispute through :func:`issuer.committee.disputes.file_dispute`, the API's function, so a
refusal carries the API's code (shown on the page in words, the code in ``data-code``).
``/portal/disputes`` lists the learner's disputes with their state and decision deadline,
``/portal/disputes/{id}`` shows one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session, col, select

from issuer.api import learner_refusals
from issuer.api.deps import SessionDep, SettingsDep
from issuer.bank import ledger
from issuer.committee import disputes
from issuer.core.errors import CreditBankError
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.models import Dispute, Learner, LedgerEntry, utcnow
from issuer.models.committee import DisputeCreate, DisputePublic
from issuer.models.input import INT4_MAX, RowId
from issuer.portal import _session
from issuer.portal.entry_words import standard_titles
from issuer.portal.pages import _page, _refused, _to_sign_in, translate

router = APIRouter(prefix="/portal", include_in_schema=False)

#: Entry kinds that are decisions a learner can dispute (as the API's rule).
DISPUTABLE = frozenset({"deposit", "adjustment"})
#: Why a dispute was refused, by the API's error code, in words for the learner.
_REFUSALS = {
    "dispute_window_closed": N_(
        "The time to dispute this entry has passed: disputes are filed within %(days)s days "
        "of the decision."
    ),
    "dispute_open": N_("This entry already has an open dispute. Follow it below."),
    "conflict": N_("Disputes cannot be filed just now; please try again later."),
    "invalid_request": N_("Give your grounds in 10 to 2,000 characters."),
    "not_found": N_("There is no such entry in your account."),
}


def own_entry(session: Session, learner_id: int, seq: int) -> LedgerEntry | None:
    """The learner's entry numbered ``seq`` in their account, if there is one."""
    if not 1 <= seq <= INT4_MAX:
        return None
    return session.exec(
        select(LedgerEntry).where(
            col(LedgerEntry.learner_id) == learner_id, col(LedgerEntry.seq) == seq
        )
    ).first()


def _missing(request: Request, settings: Settings, learner: Learner, message: str) -> Response:
    return _page(
        request,
        settings,
        "message.html",
        learner=learner,
        status_code=404,
        message=translate(request, message),
        back="/portal/account#entries",
    )


def dispute_until(settings: Settings, entry: LedgerEntry) -> datetime | None:
    """The last moment ``entry`` can be disputed; ``None`` when it is no decision."""
    if entry.kind not in DISPUTABLE:
        return None
    return entry.created_at + timedelta(days=settings.dispute_window_days)


def _open_dispute(items: list[DisputePublic], entry_id: int) -> DisputePublic | None:
    return next(
        (d for d in items if d.ledger_entry_id == entry_id and d.case.status == "open"), None
    )


def _form(
    request: Request,
    session: Session,
    settings: Settings,
    learner: Learner,
    entry: LedgerEntry,
    *,
    error: str | None = None,
    code: str | None = None,
    grounds: str = "",
    status_code: int = 200,
) -> Response:
    assert learner.id is not None and entry.id is not None
    items, _ = disputes.list_disputes(session, learner_id=learner.id, limit=500, offset=0)
    return _page(
        request,
        settings,
        "dispute_form.html",
        learner=learner,
        status_code=status_code,
        entry=entry,
        standard_titles=standard_titles(session, [entry.standard]),
        until=(until := dispute_until(settings, entry)),
        closed=until is not None and utcnow() > until,
        pending=_open_dispute(items, entry.id),
        error=error,
        code=code,
        grounds=grounds,
    )


@router.get("/entries/{seq}/dispute")
def dispute_form(
    seq: RowId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    entry = own_entry(session, learner.id, seq)
    if entry is None:
        return _missing(request, settings, learner, _REFUSALS["not_found"])
    return _form(request, session, settings, learner, entry)


@router.post("/entries/{seq}/dispute")
async def file_dispute(
    seq: RowId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    form = await _session.read_form(request)
    back = f"/portal/entries/{seq}/dispute"
    if not _session.check_csrf(request, form):
        return _refused(request, settings, back)
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    entry = own_entry(session, learner.id, seq)
    if entry is None or entry.id is None:
        return _missing(request, settings, learner, _REFUSALS["not_found"])
    grounds = form.get("grounds", "").strip()
    try:
        data = DisputeCreate(ledger_entry_id=entry.id, grounds=grounds)
        filed = disputes.file_dispute(session, settings, learner, data)
    except (ValidationError, CreditBankError) as exc:
        code = exc.code if isinstance(exc, CreditBankError) else "invalid_request"
        detail = exc.detail if isinstance(exc, CreditBankError) else "grounds"
        learner_refusals.record(session, "dispute", code, detail, learner_id=learner.id)
        message = _REFUSALS.get(code, N_("The dispute could not be filed."))
        if isinstance(exc, CreditBankError) and exc.message == disputes.REDEEMED:
            message = N_(
                "This entry cannot be disputed: its credits were redeemed toward a qualification."
            )
        error = translate(request, message, days=settings.dispute_window_days)
        status_code = exc.status if isinstance(exc, CreditBankError) else 422
        entry = own_entry(session, learner.id, seq)  # read again after the rollback
        if entry is None:
            return _missing(request, settings, learner, _REFUSALS["not_found"])
        return _form(
            request,
            session,
            settings,
            learner,
            entry,
            error=error,
            code=code,
            grounds=grounds[:2000],
            status_code=status_code,
        )
    return RedirectResponse(f"/portal/disputes/{filed.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/disputes")
def dispute_list(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    items, _ = disputes.list_disputes(session, learner_id=learner.id, limit=500, offset=0)
    return _page(
        request,
        settings,
        "disputes.html",
        learner=learner,
        disputes=items,
        entry_seq=ledger.seqs(session, [d.ledger_entry_id for d in items]),
    )


@router.get("/disputes/{dispute_id}")
def dispute_page(
    dispute_id: RowId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    row = session.get(Dispute, dispute_id) if 1 <= dispute_id <= INT4_MAX else None
    if row is not None and row.learner_id != learner.id:
        row = None
    if row is None:  # others' disputes do not exist for you
        return _missing(request, settings, learner, N_("There is no such dispute."))
    dispute = disputes.dispute_public(session, row)
    entry = session.get(LedgerEntry, dispute.ledger_entry_id)
    return _page(request, settings, "dispute.html", learner=learner, dispute=dispute, entry=entry)
