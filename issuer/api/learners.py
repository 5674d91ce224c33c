"""Learners and their accounts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from issuer.api import idempotency
from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.principals import AdminOrInstitutionDep, AdminOrSelfDep, InstitutionDep
from issuer.bank import accounts, ledger
from issuer.conversion import courses
from issuer.models import Account, CourseCreate, CourseRecorded, LearnerCreate, LearnerPublic
from issuer.models.input import INT4_MAX, RowId
from issuer.models.ledger import EntryKind

router = APIRouter(tags=["learners"])


@router.post("/learners", status_code=status.HTTP_201_CREATED)
def create_learner(
    data: LearnerCreate, session: SessionDep, settings: SettingsDep, _caller: AdminOrInstitutionDep
) -> LearnerPublic:
    """Open a learner account. The national ID is kept only as a keyed hash and masked."""
    return accounts.create_learner(session, settings, data)


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
        produce=lambda: courses.record_course(session, institution, learner_id, data),
    )


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
