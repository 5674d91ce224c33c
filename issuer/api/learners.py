"""Learners and their accounts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from issuer.api import idempotency
from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import (
    AdminOrInstitutionDep,
    AdminOrSelfDep,
    InstitutionDep,
    Principal,
)
from issuer.bank import accounts, directory, ledger
from issuer.committee import reviews
from issuer.conversion import courses
from issuer.models import (
    Account,
    CourseCreate,
    CourseRecorded,
    Institution,
    LearnerCreate,
    LearnerListItem,
    LearnerPublic,
    LearnerSearch,
)
from issuer.models.input import INT4_MAX, RowId
from issuer.models.ledger import EntryKind

router = APIRouter(tags=["learners"])


@router.post("/learners", status_code=status.HTTP_201_CREATED)
def create_learner(
    data: LearnerCreate, session: SessionDep, settings: SettingsDep, _caller: AdminOrInstitutionDep
) -> LearnerPublic:
    """Open a learner account. The national ID is kept only as a keyed hash and masked."""
    institution = _caller.institution
    return accounts.create_learner(
        session,
        settings,
        data,
        actor=_caller.actor,
        institution_id=None if institution is None else institution.id,
    )


@router.post("/learners/{learner_id}/courses", status_code=status.HTTP_201_CREATED)
def record_course(
    learner_id: RowId,
    data: CourseCreate,
    session: SessionDep,
    institution: InstitutionDep,
    request: Request,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> CourseRecorded:
    """Record a course the calling institution vouches for, and deposit its credits.

    A course that earns no credits is recorded with ``entry: null``. Supports
    ``Idempotency-Key``.
    """
    return idempotency.run(
        session,
        key=idempotency_key,
        scope=f"institution:{institution.id} POST {request.url.path}",
        request=data.model_dump(mode="json"),
        model=CourseRecorded,
        produce=lambda: _record_course(session, institution, learner_id, data),
    )


def _record_course(
    session: SessionDep, institution: Institution, learner_id: int, data: CourseCreate
) -> CourseRecorded:
    recorded = courses.record_course(session, institution, learner_id, data)
    # A course above the review threshold goes to the review panel at once.
    reviews.open_pending_reviews(
        session, actor=f"institution:{institution.code}", achievement_ids=[recorded.achievement.id]
    )
    return recorded


@router.get("/learners/{learner_id}/account")
def get_account(
    learner_id: RowId,
    session: SessionDep,
    _caller: AdminOrSelfDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Entries per page.")] = 100,
    after: Annotated[
        int, Query(ge=0, le=INT4_MAX, description="The `next_after` of the page before.")
    ] = 0,
    domain: Annotated[str | None, Query(min_length=1, max_length=8)] = None,
    kind: EntryKind | None = None,
    since: Annotated[
        date | None, Query(description="Entries made on or after this day (UTC).")
    ] = None,
    until: Annotated[
        date | None, Query(description="Entries made on or before this day (UTC).")
    ] = None,
) -> Account:
    """The learner's balance and balance by domain and kind, over every entry, and one page
    of the ledger in chain order (the operator, or the learner).

    Pages follow ``next_after``; ``domain``, ``kind``, ``since`` and ``until`` filter the
    entries listed (never the balances).
    """
    query = ledger.EntryQuery(limit, after, domain, kind, since, until)
    return accounts.account_view(session, learner_id, query)


def _scope(caller: Principal) -> int | None:
    # The operator sees every learner; an institution only those in its scope.
    return None if caller.institution is None else caller.institution.id


@router.get("/learners")
def list_learners(
    session: SessionDep,
    page: PageDep,
    caller: AdminOrInstitutionDep,
    name: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    masked_id: Annotated[
        str | None,
        Query(min_length=1, max_length=18, description="The masked ID or a part, e.g. 1234"),
    ] = None,
) -> Page[LearnerListItem]:
    """Learners, oldest account first; search by a part of the name or of the masked ID.

    The operator sees every learner; an institution the accounts it opened and the
    learners it recorded achievements for. To search by the full national ID, use
    ``POST /learners/search`` (a number in a URL would reach access logs).
    """
    query = directory.LearnerQuery(name=name, masked_id=masked_id, institution_id=_scope(caller))
    items, total = directory.find_learners(session, query, limit=page.limit, offset=page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/learners/search")
def search_learners(
    data: LearnerSearch,
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    caller: AdminOrInstitutionDep,
) -> Page[LearnerListItem]:
    """Find learners by the full national ID (matched through its keyed hash), name or
    masked ID, in the caller's scope. The number is neither stored, logged nor echoed;
    an invalid one is 422 ``invalid_national_id``.
    """
    digest = None if data.national_id is None else directory.id_digest(settings, data.national_id)
    query = directory.LearnerQuery(
        name=data.name, masked_id=data.masked_id, id_hmac=digest, institution_id=_scope(caller)
    )
    items, total = directory.find_learners(session, query, limit=page.limit, offset=page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
