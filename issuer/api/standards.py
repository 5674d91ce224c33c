"""Conversion standards: published for all; drafted, dated, compared, previewed and
submitted by the operator; approved or returned to draft by the committee."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, status
from pydantic import Field, Strict

from issuer.api.deps import SessionDep
from issuer.api.principals import AdminDep
from issuer.conversion import standard_review, standards
from issuer.conversion.evidence import AchievementCreate
from issuer.core import audit
from issuer.core.errors import StandardContradiction
from issuer.models import ConversionStandard, StandardPublic, utcnow
from issuer.models.input import PositiveInt4, RequestModel

router = APIRouter(tags=["standards"])


def _contradictions_recorded(
    session: SessionDep, actor: str, standard_id: object, version: int | None = None
) -> AbstractContextManager[None]:
    """A draft refused for contradicting rules is audited (``standard.refused.<code>``)."""
    ref = str(standard_id)[:32] if version is None else f"{str(standard_id)[:32]}@{version}"
    return audit.refusals_recorded(
        session,
        StandardContradiction,
        actor=actor,
        action="standard.refused",
        subject=f"standard:{ref}",
    )


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

    422 ``invalid_request`` names the first invalid field of the document;
    ``standard_contradiction`` (audited) when two rules match the same achievements.
    """
    with _contradictions_recorded(session, _admin.actor, document.get("standard_id")):
        row = standards.create_draft(session, document)
    _audit(session, _admin.actor, "standard.draft", row)
    return standards.public(row)


@router.post("/standards/{standard_id}/versions/{version}/submit")
def submit_standard_version(
    standard_id: str, version: PositiveInt4, session: SessionDep, _admin: AdminDep
) -> StandardPublic:
    """Submit a draft for the expert committee's review (admin).

    409 ``standard_state`` unless the version is a draft; ``standard_contradiction``
    (audited) when its rules contradict each other.
    """
    with _contradictions_recorded(session, _admin.actor, standard_id, version):
        row = standards.submit_for_review(session, standard_id, version)
    _audit(session, _admin.actor, "standard.submit", row)
    return standards.public(row)


# A day a standard comes into force may lie ahead; JSON sends it as YYYY-MM-DD text.
Day = Annotated[date, Strict(False), Field(ge=date(1900, 1, 1), le=date(2100, 12, 31))]


class StandardChanges(RequestModel):
    """Fields of a copied version to replace (docs/standards.md); the others are copied.

    Rules and caps are checked as a whole document once merged.
    """

    title_zh: str | None = Field(default=None, min_length=1, max_length=200)
    title_en: str | None = Field(default=None, min_length=1, max_length=200)
    defaults: bool | None = None
    note_zh: str | None = Field(default=None, max_length=2000)
    note_en: str | None = Field(default=None, max_length=2000)
    validity_years: int | None = Field(default=None, ge=1, le=50)
    caps: dict[str, Any] | None = None
    rules: list[dict[str, Any]] | None = Field(default=None, min_length=1, max_length=500)


class EffectiveDate(RequestModel):
    effective_from: Day = Field(description="The day the version comes into force.")


class PreviewRequest(RequestModel):
    samples: list[AchievementCreate] = Field(min_length=1, max_length=50)
    on: Day | None = Field(default=None, description="Decision day; default today (UTC).")


def _audit(
    session: SessionDep, actor: str, action: str, row: ConversionStandard, **details: Any
) -> None:
    ref = f"{row.standard_id}@{row.version}"
    audit.record(
        session,
        actor=actor,
        action=action,
        subject=f"standard:{ref}",
        payload={"ref": ref, **details},
        summary=f"standard {ref}: {row.status}",
        details={"status": row.status, **details},
    )


@router.post(
    "/standards/{standard_id}/versions/{version}/draft", status_code=status.HTTP_201_CREATED
)
def draft_next_version(
    standard_id: str,
    version: PositiveInt4,
    data: StandardChanges,
    session: SessionDep,
    admin: AdminDep,
) -> StandardPublic:
    """Draft the next version of a standard from ``version`` (usually the one in force),
    with the fields given replaced (admin); ``{}`` copies it as it is. 422
    ``invalid_request`` names an invalid field; ``standard_contradiction`` (audited)."""
    with _contradictions_recorded(session, admin.actor, standard_id, version):
        row = standards.draft_from(
            session, standard_id, version, data.model_dump(exclude_unset=True)
        )
    _audit(session, admin.actor, "standard.draft", row, copied_from=version)
    return standards.public(row)


@router.patch("/standards/{standard_id}/versions/{version}")
def edit_standard_draft(
    standard_id: str,
    version: PositiveInt4,
    data: StandardChanges,
    session: SessionDep,
    _admin: AdminDep,
) -> StandardPublic:
    """Edit a draft: replace the fields given (admin), as the console's standards editor
    does; the whole document is validated again.

    409 ``standard_state`` unless the version is a draft; 422 ``invalid_request`` names the
    first invalid field; ``standard_contradiction`` when its rules contradict each other
    (the attempt audited as ``standard.refused.standard_contradiction``, nothing saved).
    """
    with _contradictions_recorded(session, _admin.actor, standard_id, version):
        row = standards.update_draft(
            session, standard_id[:32], version, data.model_dump(exclude_unset=True)
        )
    _audit(session, _admin.actor, "standard.edit", row)
    return standards.public(row)


@router.put("/standards/{standard_id}/versions/{version}/effective-from")
def set_effective_date(
    standard_id: str,
    version: PositiveInt4,
    data: EffectiveDate,
    session: SessionDep,
    admin: AdminDep,
) -> StandardPublic:
    """Set the day a version comes into force once the committee approves it (admin).

    Allowed while it is a draft, under review, or approved and not yet in force; an
    approved version whose day has come becomes effective and supersedes the one before.
    409 ``standard_state`` for an effective or superseded version.
    """
    row = standards.set_effective_date(session, standard_id, version, on=data.effective_from)
    _audit(
        session,
        admin.actor,
        "standard.effective_from",
        row,
        effective_from=data.effective_from.isoformat(),
    )
    return standards.public(row)


@router.get("/standards/{standard_id}/versions/{version}/diff")
def diff_standard_version(
    standard_id: str,
    version: PositiveInt4,
    session: SessionDep,
    against: PositiveInt4 | None = None,
) -> standard_review.StandardDiff:
    """How a version differs from ``against`` (default: the version in force, else the one
    before), as an RFC 6902 JSON Patch (public)."""
    return standard_review.diff(
        session, standard_id, version, against=against, today=utcnow().date()
    )


@router.post("/standards/{standard_id}/versions/{version}/preview")
def preview_standard_version(
    standard_id: str,
    version: PositiveInt4,
    data: PreviewRequest,
    session: SessionDep,
    _admin: AdminDep,
) -> list[standard_review.PreviewRow]:
    """What this version would grant on sample achievements, beside what the standards in
    force grant (admin). Nothing is recorded; caps from an account's history do not apply.
    """
    return standard_review.preview(
        session, standard_id, version, data.samples, on=data.on or utcnow().date()
    )
