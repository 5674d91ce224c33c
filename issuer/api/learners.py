"""Learners and their accounts."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from issuer.api import idempotency
from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.principals import AdminOrInstitutionDep, AdminOrSelfDep, InstitutionDep
from issuer.bank import accounts
from issuer.conversion import courses
from issuer.models import Account, CourseCreate, CourseRecorded, LearnerCreate, LearnerPublic
from issuer.models.input import RowId

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
        produce=lambda: courses.record_course(session, institution, learner_id, data),
    )


@router.get("/learners/{learner_id}/account")
def get_account(learner_id: RowId, session: SessionDep, _caller: AdminOrSelfDep) -> Account:
    """The learner's ledger, balance and balance by domain (the operator, or the learner)."""
    return accounts.account_view(session, learner_id)
