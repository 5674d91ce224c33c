"""Transfer applications: the learner's consent for one university or college."""

from __future__ import annotations

from fastapi import APIRouter, status

from issuer.api.deps import SessionDep
from issuer.api.principals import AdminOrSelfDep, InstitutionDep, PrincipalDep, SelfDep
from issuer.bank import applications
from issuer.core.errors import Forbidden
from issuer.models import TransferApplicationCreate, TransferApplicationPublic
from issuer.models.input import RowId

router = APIRouter(tags=["transfers"])


@router.post("/learners/{learner_id}/transfer-applications", status_code=status.HTTP_201_CREATED)
def create_application(
    learner_id: RowId, data: TransferApplicationCreate, session: SessionDep, learner: SelfDep
) -> TransferApplicationPublic:
    """Apply to a university or college for credit recognition (学分转换 / 免修), as the learner.

    Names the institution (422 ``not_a_university`` unless a university or college),
    the programme, and the credentials (or entries) to transfer: the learner's own,
    active ones (404 ``not_found`` / 422 ``invalid_request``). The application is the
    consent that institution records the transfer with (``application_id``).
    """
    return applications.create_application(session, learner_id, data)


@router.get("/learners/{learner_id}/transfer-applications")
def learner_applications(
    learner_id: RowId, session: SessionDep, _caller: AdminOrSelfDep
) -> list[TransferApplicationPublic]:
    """The learner's applications, newest first (the learner, or the operator)."""
    return applications.list_for_learner(session, learner_id)


@router.post("/learners/{learner_id}/transfer-applications/{application_id}/withdraw")
def withdraw_application(
    learner_id: RowId, application_id: RowId, session: SessionDep, learner: SelfDep
) -> TransferApplicationPublic:
    """Withdraw a submitted application (409 ``conflict`` once recorded or withdrawn)."""
    return applications.withdraw(session, learner_id, application_id)


@router.get("/transfer-applications")
def incoming_applications(
    session: SessionDep, institution: InstitutionDep
) -> list[TransferApplicationPublic]:
    """The applications made to the calling institution, newest first."""
    assert institution.id is not None
    return applications.list_for_institution(session, institution.id)


@router.get("/transfer-applications/{application_id}")
def read_application(
    application_id: RowId, session: SessionDep, principal: PrincipalDep
) -> TransferApplicationPublic:
    """One application: for the institution it was made to, its learner, or the operator."""
    if principal.institution is not None:
        return applications.get_application(
            session, application_id, institution_id=principal.institution.id, learner_id=None
        )
    if principal.learner is not None:
        return applications.get_application(
            session, application_id, institution_id=None, learner_id=principal.learner.id
        )
    if principal.role != "admin":
        raise Forbidden("applications are read by their institution, learner or the operator")
    return applications.get_application(
        session, application_id, institution_id=None, learner_id=None
    )
