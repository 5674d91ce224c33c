"""Conversion standards: published for all, drafted and submitted by the operator."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, status

from issuer.api.deps import SessionDep
from issuer.api.principals import AdminDep
from issuer.conversion import standards
from issuer.models import StandardPublic
from issuer.models.input import PositiveInt4

router = APIRouter(tags=["standards"])


@router.get("/standards")
def list_standards(session: SessionDep) -> list[StandardPublic]:
    """Every version of every conversion standard with its status (public).

    Versions marked ``document.defaults = true`` are the shipped illustrative defaults.
    """
    return [standards.public(row) for row in standards.list_standards(session)]


@router.get("/standards/{standard_id}/versions/{version}")
def get_standard_version(
    standard_id: str, version: PositiveInt4, session: SessionDep
) -> StandardPublic:
    """One version of a standard, with its rules and caps (public)."""
    return standards.public(standards.get_version(session, standard_id, version))


@router.post("/standards", status_code=status.HTTP_201_CREATED)
def create_standard_draft(
    session: SessionDep,
    _admin: AdminDep,
    document: dict[str, Any] = Body(  # noqa: B008 - FastAPI's way to take a free-form body
        description="A standard document (see docs/standards.md); `version` is assigned."
    ),
) -> StandardPublic:
    """Create a draft version: one more than the standard's latest version (admin).

    422 ``invalid_request`` names the first invalid field of the document.
    """
    return standards.public(standards.create_draft(session, document))


@router.post("/standards/{standard_id}/versions/{version}/submit")
def submit_standard_version(
    standard_id: str, version: PositiveInt4, session: SessionDep, _admin: AdminDep
) -> StandardPublic:
    """Submit a draft for the expert committee's review (admin).

    409 ``standard_state`` unless the version is a draft.
    """
    return standards.public(standards.submit_for_review(session, standard_id, version))
