"""Qualification pathways: definitions, progress, redemption."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from issuer.api import idempotency
from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import AdminOrSelfDep
from issuer.bank import qualifications
from issuer.models.input import RowId
from issuer.models.qualifications import PathwayPublic, Progress, RedemptionPublic

router = APIRouter(tags=["qualifications"])


@router.get("/qualifications")
def list_pathways() -> list[PathwayPublic]:
    """The qualification pathways on offer (public)."""
    return [p.public() for p in qualifications.pathways().values()]


@router.get("/learners/{learner_id}/qualifications")
def learner_progress(
    learner_id: RowId, session: SessionDep, _caller: AdminOrSelfDep
) -> list[Progress]:
    """Progress toward every pathway, with eligibility and reasons (zh + en)."""
    return [
        qualifications.progress(session, learner_id, pathway_id)
        for pathway_id in qualifications.pathways()
    ]


@router.post(
    "/learners/{learner_id}/qualifications/{pathway_id}/redemptions",
    status_code=status.HTTP_201_CREATED,
)
def redeem(
    learner_id: RowId,
    pathway_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    caller: AdminOrSelfDep,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> RedemptionPublic:
    """Redeem credits toward a qualification and get a signed statement of them.

    The credits used count toward this qualification only: a second redemption is
    ``already_redeemed`` (409); too few credits ``insufficient_credits`` (409).
    Supports ``Idempotency-Key``.
    """
    return idempotency.run(
        session,
        key=idempotency_key,
        scope=f"{caller.actor} POST {request.url.path}",
        request={},
        model=RedemptionPublic,
        produce=lambda: qualifications.redeem(
            session, settings, keystore, learner_id, pathway_id, actor=caller.actor
        ),
    )


@router.get("/learners/{learner_id}/redemptions")
def list_redemptions(
    learner_id: RowId, session: SessionDep, page: PageDep, _caller: AdminOrSelfDep
) -> Page[RedemptionPublic]:
    """The learner's redemptions with their signed statements, oldest first."""
    items = qualifications.redemptions(session, learner_id)
    return Page(
        items=items[page.offset : page.offset + page.limit],
        total=len(items),
        limit=page.limit,
        offset=page.offset,
    )
