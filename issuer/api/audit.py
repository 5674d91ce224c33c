"""The audit trail over HTTP: filtered pages and a CSV export.

Only the operator reads it for now. Who may read it is :data:`AUDIT_READERS`: another
role (the staff operator) is one more name in that set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from issuer.api import filters
from issuer.api.csv_export import CSV_MEDIA_TYPE, csv_response
from issuer.api.deps import SessionDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import Principal, PrincipalDep, Role
from issuer.core import audit
from issuer.core.errors import Forbidden
from issuer.models import AuditEvent

__all__ = [
    "AUDIT_READERS",
    "CSV_COLUMNS",
    "EXPORT_LIMIT",
    "AuditEventPublic",
    "csv_export",
    "router",
]

router = APIRouter(tags=["audit"])

#: Roles that may read the trail.
AUDIT_READERS: frozenset[Role] = frozenset({"admin"})

#: Most rows one CSV export holds; narrow the filter for more.
EXPORT_LIMIT = 50_000

#: Columns of ``GET /audit.csv`` (docs/formats.md describes each).
CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "subject",
    "summary",
    "reason",
    "case",
    "details",
    "payload_hash",
)


class AuditEventPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str = Field(description="The target, e.g. credential:<jti> or learner:7.")
    summary: str | None = None
    reason: str | None = None
    case: str | None = Field(default=None, description="The case that required it.")
    details: dict[str, Any] | None = None
    payload_hash: str


def _require_reader(principal: PrincipalDep) -> Principal:
    if principal.role not in AUDIT_READERS:
        raise Forbidden("the audit trail is for the credit bank operator")
    return principal


ReaderDep = Annotated[Principal, Depends(_require_reader)]


def _filter(
    actor: Annotated[str | None, Query(max_length=64, description="e.g. admin")] = None,
    action: Annotated[
        str | None,
        Query(max_length=64, description="e.g. credential.revoked; ending in '.' a family"),
    ] = None,
    subject: Annotated[
        str | None, Query(max_length=64, description="The target, e.g. learner:7")
    ] = None,
    since: Annotated[
        str | None, Query(alias="from", max_length=40, description="YYYY-MM-DD or ISO time")
    ] = None,
    until: Annotated[
        str | None,
        Query(alias="to", max_length=40, description="YYYY-MM-DD (included) or ISO time"),
    ] = None,
) -> audit.AuditFilter:
    start, end = filters.date_range(since, until)
    return audit.AuditFilter(actor=actor, action=action, subject=subject, since=start, until=end)


FilterDep = Annotated[audit.AuditFilter, Depends(_filter)]


def _public(row: AuditEvent) -> AuditEventPublic:
    assert row.id is not None
    return AuditEventPublic(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        summary=row.summary,
        reason=row.reason,
        case=row.case_ref,
        details=row.details,
        payload_hash=row.payload_hash,
    )


@router.get("/audit", operation_id="committee-list_audit_events")
def list_audit_events(
    _reader: ReaderDep, session: SessionDep, page: PageDep, where: FilterDep
) -> Page[AuditEventPublic]:
    """The audit trail, oldest first: who did what, when, to which target, why.

    Filters: ``actor``, ``action`` (exact, or a family ending in ``.``), ``subject``,
    ``from`` and ``to`` (a date, included whole, or an ISO 8601 time). A bad date or an
    empty range is 422 ``invalid_filter``.
    """
    rows, total = audit.list_events(session, where=where, limit=page.limit, offset=page.offset)
    return Page(items=[_public(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/audit.csv",
    response_class=Response,
    responses={200: {"content": {CSV_MEDIA_TYPE: {}}, "description": "The events as CSV."}},
)
def export_audit_events(_reader: ReaderDep, session: SessionDep, where: FilterDep) -> Response:
    """The filtered trail as CSV (UTF-8 with BOM, for Excel), at most 50,000 rows."""
    rows, _ = audit.list_events(session, where=where, limit=EXPORT_LIMIT, offset=0)
    return csv_export(rows)


def csv_export(rows: Iterable[AuditEvent]) -> Response:
    """``rows`` as the ``audit.csv`` download (the console's export uses it too)."""
    return csv_response(
        "audit.csv",
        CSV_COLUMNS,
        (
            (
                r.id,
                r.at.isoformat(),
                r.actor,
                r.action,
                r.subject,
                r.summary,
                r.reason,
                r.case_ref,
                "" if r.details is None else json.dumps(r.details, ensure_ascii=False),
                r.payload_hash,
            )
            for r in rows
        ),
    )
