"""Conversion standards in the database: versions, lifecycle and the effective set.

Lifecycle of one version::

    draft ──submit_for_review──▶ under_review ──mark_approved──▶ approved
      ──make_effective──▶ effective ──(next version made effective)──▶ superseded

Approval is the expert committee's decision (quorum rules live with the committee);
this module only records it. At most one version of a standard is effective.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from issuer.conversion.engine import Catalogue
from issuer.conversion.standard_document import StandardDocument
from issuer.core.errors import InvalidRequest, NotFound, StandardState
from issuer.models import ConversionStandard, StandardPublic

__all__ = [
    "catalogue",
    "create_draft",
    "current_effective",
    "document_of",
    "effective_standards",
    "get_version",
    "list_standards",
    "make_effective",
    "mark_approved",
    "public",
    "submit_for_review",
]


def public(row: ConversionStandard) -> StandardPublic:
    """The API form of one version."""
    return StandardPublic.model_validate(row, update={"ref": f"{row.standard_id}@{row.version}"})


def get_version(session: Session, standard_id: str, version: int) -> ConversionStandard:
    """One version, or :class:`NotFound`."""
    row = session.get(ConversionStandard, (standard_id, version))
    if row is None:
        raise NotFound(f"standard {standard_id}@{version} does not exist")
    return row


def document_of(row: ConversionStandard) -> StandardDocument:
    """The validated document of a stored version."""
    return StandardDocument.model_validate(row.document)


def list_standards(session: Session) -> list[ConversionStandard]:
    """Every version of every standard, by id then version."""
    statement = select(ConversionStandard).order_by(
        col(ConversionStandard.standard_id), col(ConversionStandard.version)
    )
    return list(session.exec(statement))


def create_draft(session: Session, payload: dict[str, Any]) -> ConversionStandard:
    """Store a new draft version; its number is one more than the standard's latest.

    ``payload`` is a standard document without ``version`` (any given one is replaced).
    """
    standard_id = payload.get("standard_id")
    # Only text is looked up; any other value is refused by the validation below.
    latest = (
        session.exec(
            select(func.max(ConversionStandard.version)).where(
                col(ConversionStandard.standard_id) == standard_id
            )
        ).one()
        if isinstance(standard_id, str)
        else None
    )
    try:
        doc = StandardDocument.model_validate({**payload, "version": (latest or 0) + 1})
    except ValidationError as exc:
        # Every invalid field is named (unknown ones too), the first one first.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors()[:10]
        )
        raise InvalidRequest(f"invalid standard document at {problems}") from None
    row = ConversionStandard(
        standard_id=doc.standard_id,
        version=doc.version,
        title_zh=doc.title_zh,
        title_en=doc.title_en,
        domain=doc.domain,
        status="draft",
        document=doc.model_dump(mode="json"),
        effective_from=doc.effective_from,
    )
    session.add(row)
    session.flush()
    return row


def _step(session: Session, standard_id: str, version: int, need: str) -> ConversionStandard:
    row = get_version(session, standard_id, version)
    if row.status != need:
        raise StandardState(
            f"standard {standard_id}@{version} is {row.status}; this step needs {need}"
        )
    return row


def submit_for_review(session: Session, standard_id: str, version: int) -> ConversionStandard:
    """draft → under_review."""
    row = _step(session, standard_id, version, "draft")
    row.status = "under_review"
    session.add(row)
    session.flush()
    return row


def mark_approved(
    session: Session, standard_id: str, version: int, *, approved_at: datetime
) -> ConversionStandard:
    """under_review → approved (called by the committee once its quorum approves)."""
    row = _step(session, standard_id, version, "under_review")
    row.status = "approved"
    row.approved_at = approved_at
    session.add(row)
    session.flush()
    return row


def current_effective(session: Session, standard_id: str) -> ConversionStandard | None:
    """The effective version of ``standard_id``, if any."""
    statement = select(ConversionStandard).where(
        col(ConversionStandard.standard_id) == standard_id,
        col(ConversionStandard.status) == "effective",
    )
    return session.exec(statement).first()


def make_effective(
    session: Session, standard_id: str, version: int, *, on: date
) -> ConversionStandard:
    """approved → effective from ``on``; the previously effective version is superseded."""
    row = _step(session, standard_id, version, "approved")
    previous = current_effective(session, standard_id)
    if previous is not None:
        previous.status = "superseded"
        session.add(previous)
        # Flush first so the two versions are never effective at once.
        session.flush()
    row.status = "effective"
    row.effective_from = on
    document = dict(row.document)
    document["effective_from"] = on.isoformat()
    row.document = document
    session.add(row)
    session.flush()
    return row


def effective_standards(session: Session, on: date) -> list[StandardDocument]:
    """Documents of the effective versions whose effective date is on or before ``on``."""
    statement = (
        select(ConversionStandard)
        .where(col(ConversionStandard.status) == "effective")
        .order_by(col(ConversionStandard.standard_id))
    )
    return [
        document_of(row)
        for row in session.exec(statement)
        if row.effective_from is None or row.effective_from <= on
    ]


def catalogue(session: Session, on: date) -> Catalogue:
    """The engine's compiled view of :func:`effective_standards`."""
    return Catalogue(effective_standards(session, on))
