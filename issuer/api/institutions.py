"""Institutions: registered by the operator."""

from __future__ import annotations

from fastapi import APIRouter, status

from issuer.api.deps import SessionDep
from issuer.api.principals import AdminDep
from issuer.bank import accounts
from issuer.models import InstitutionCreate, InstitutionCreated

router = APIRouter(tags=["institutions"])


@router.post("/institutions", status_code=status.HTTP_201_CREATED)
def create_institution(
    data: InstitutionCreate, session: SessionDep, _admin: AdminDep
) -> InstitutionCreated:
    """Register an institution. Its API key is in this response and nowhere else."""
    return accounts.create_institution(session, data, actor=_admin.actor)
