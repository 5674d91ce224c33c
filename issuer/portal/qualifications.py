"""The learner's qualifications in the portal: progress, redemption, earned statements.

``/portal/qualifications`` shows the progress toward every pathway, the one that fits
best first (eligible ones, then by the share of the required credits already counted),
and the qualifications already earned with their signed statement
(``cbredemption+jwt``, docs/formats.md) to download. Redeeming takes a confirmation page
(``/portal/qualifications/{id}/redeem``) that says which credits will be used and that
they then count toward this qualification only; the post calls
:func:`issuer.bank.qualifications.redeem`, the API's function, so a second redemption is
refused with its code (``already_redeemed``), too few credits with ``insufficient_credits``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from issuer.api import learner_refusals
from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.bank import qualifications
from issuer.core.errors import CreditBankError
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.models import Learner
from issuer.models.input import INT4_MAX, RowId
from issuer.models.qualifications import Progress, RedemptionPublic
from issuer.portal import _session
from issuer.portal.pages import _page, _refused, _to_sign_in, translate

router = APIRouter(prefix="/portal", include_in_schema=False)

HOME = "/portal/qualifications"
#: Why a redemption was refused, by the API's error code, in words for the learner.
_REFUSALS = {
    "already_redeemed": N_(
        "You have already redeemed this qualification: its credits cannot be used twice."
    ),
    "insufficient_credits": N_("You do not have the credits this qualification needs yet."),
    "not_found": N_("There is no such qualification."),
}


def fit(progress: Progress) -> float:
    """How much of a pathway the credits meet, 0 … 1: each domain minimum and the total
    count up to what they require, so credits of other domains do not fill a minimum."""
    needed = progress.required_credits + sum(r.required_credits for r in progress.requirements)
    met = min(progress.counted_credits, progress.required_credits) + sum(
        min(r.counted_credits, r.required_credits) for r in progress.requirements
    )
    return met / needed if needed else 0.0


def best_first(items: list[Progress]) -> list[Progress]:
    """Pathways not yet redeemed, the best fit first: eligible ones, then by :func:`fit`."""
    return sorted(
        (p for p in items if not p.redeemed),
        key=lambda p: (not p.eligible, -fit(p), p.pathway_id),
    )


def _all_progress(session: Session, learner_id: int) -> list[Progress]:
    return [
        qualifications.progress(session, learner_id, pathway_id)
        for pathway_id in qualifications.pathways()
    ]


def _message(
    request: Request, settings: Settings, learner: Learner, exc: CreditBankError
) -> Response:
    message = _REFUSALS.get(exc.code, N_("The qualification could not be redeemed."))
    return _page(
        request,
        settings,
        "message.html",
        learner=learner,
        status_code=exc.status,
        message=translate(request, message),
        code=exc.code,
        back=HOME,
    )


@router.get("/qualifications")
def qualification_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    earned = qualifications.redemptions(session, learner.id)
    paths = qualifications.pathways()
    return _page(
        request,
        settings,
        "qualifications.html",
        learner=learner,
        progress=best_first(_all_progress(session, learner.id)),
        fit=fit,
        earned=[(r, paths.get(r.pathway_id)) for r in earned],
    )


@router.get("/qualifications/{pathway_id}/redeem")
def confirm_page(
    pathway_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    try:
        progress = qualifications.progress(session, learner.id, pathway_id[:64])
    except CreditBankError as exc:
        return _message(request, settings, learner, exc)
    return _page(request, settings, "redeem_confirm.html", learner=learner, progress=progress)


@router.post("/qualifications/{pathway_id}/redeem")
async def redeem(
    pathway_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
) -> Response:
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, HOME)
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    try:
        done = qualifications.redeem(
            session, settings, keystore, learner.id, pathway_id[:64], actor=f"learner:{learner.id}"
        )
    except CreditBankError as exc:
        learner_refusals.record(session, "redeem", exc.code, exc.detail, learner_id=learner.id)
        return _message(request, settings, learner, exc)
    return RedirectResponse(
        f"{HOME}?redeemed={done.id}#earned-{done.id}", status_code=status.HTTP_303_SEE_OTHER
    )


def _own_redemption(
    learner_id: int, items: list[RedemptionPublic], redemption_id: int
) -> RedemptionPublic | None:
    return next((r for r in items if r.id == redemption_id and r.learner_id == learner_id), None)


@router.get("/redemptions/{redemption_id}/statement.jwt")
def statement(
    redemption_id: RowId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The signed statement of one of the learner's redemptions, as a file."""
    learner = _session.current_learner(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    found = None
    if 1 <= redemption_id <= INT4_MAX:
        found = _own_redemption(
            learner.id, qualifications.redemptions(session, learner.id), redemption_id
        )
    if found is None:  # others' statements do not exist for you
        return _page(
            request,
            settings,
            "message.html",
            learner=learner,
            status_code=404,
            message=translate(request, N_("There is no such statement.")),
            back=HOME,
        )
    return Response(
        found.statement,
        media_type="application/jwt",
        headers={
            "Content-Disposition": f'attachment; filename="qualification-{found.pathway_id}.jwt"',
            "Cache-Control": "no-store",
        },
    )
