"""The operator's audit trail page: filtered, paginated, exported as CSV with the same filters.

Filters come as a GET form (actor, action, target, from, to), read by the API's own
:func:`issuer.api.filters.date_range`, so a page and ``GET /audit`` select the same events;
the CSV is the API's writer (:func:`issuer.api.audit.csv_export`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from issuer.api import filters
from issuer.api.audit import EXPORT_LIMIT, csv_export
from issuer.api.deps import SessionDep
from issuer.console.audit_words import (
    ACTIONS,
    FAMILIES,
    action_words,
    actor_words,
    reason_words,
)
from issuer.console.auth import OperatorDep
from issuer.console.render import ConsoleRoute, page
from issuer.core import audit, i18n
from issuer.core.errors import InvalidFilter
from issuer.models import AuditEvent, StaffAccount
from issuer.portal.pages import locale_of

__all__ = ["router", "staff_names"]

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

PAGE_SIZE = 50
Text = Annotated[str, Query(max_length=64)]
Day = Annotated[str, Query(alias="from", max_length=40)]
Until = Annotated[str, Query(alias="to", max_length=40)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _where(actor: str, action: str, target: str, since: str, until: str) -> audit.AuditFilter:
    start, end = filters.date_range(since.strip() or None, until.strip() or None)
    return audit.AuditFilter(
        actor=actor.strip() or None,
        action=action.strip() or None,
        subject=target.strip() or None,
        since=start,
        until=end,
    )


def staff_names(session: Session, actors: Iterable[str]) -> dict[str, str]:
    """``staff:<id>`` → the member's name, for the actors among ``actors`` that are staff."""
    ids = {int(a[6:]) for a in actors if a.startswith("staff:") and a[6:].isdigit()}
    if not ids:
        return {}
    found = session.exec(
        select(StaffAccount.id, StaffAccount.name).where(col(StaffAccount.id).in_(ids))
    )
    return {f"staff:{i}": name for i, name in found}


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    current: OperatorDep,
    actor: Text = "",
    action: Text = "",
    target: Text = "",
    since: Day = "",
    until: Until = "",
    offset: Offset = 0,
) -> HTMLResponse:
    """Events oldest first, 50 a page, with the filters of the form above them."""
    chosen = {"actor": actor, "action": action, "target": target, "from": since, "to": until}
    error, total = "", 0
    rows: list[AuditEvent] = []
    try:
        where = _where(actor, action, target, since, until)
    except InvalidFilter as exc:
        error = exc.detail
    else:
        rows, total = audit.list_events(session, where=where, limit=PAGE_SIZE, offset=offset)
    gettext = i18n.translations(locale_of(request)).gettext
    names = staff_names(session, (r.actor for r in rows))
    query = urlencode({k: v for k, v in chosen.items() if v})
    last = max(0, (total - 1) // PAGE_SIZE * PAGE_SIZE)
    return page(
        request,
        "audit.html",
        staff=current,
        csrf=current.csrf,
        events=[
            {
                "row": r,
                "action": action_words(r.action, gettext),
                "actor": actor_words(r.actor, names, gettext),
                "reason": reason_words(r.action, r.reason, gettext),
            }
            for r in rows
        ],
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        last=last,
        chosen=chosen,
        query=query,
        actions=sorted(ACTIONS.items()),
        families=sorted(FAMILIES.items()),
        error=error,
    )


@router.get("/audit.csv")
def audit_csv(
    session: SessionDep,
    current: OperatorDep,
    actor: Text = "",
    action: Text = "",
    target: Text = "",
    since: Day = "",
    until: Until = "",
) -> Response:
    """The filtered events as the API's CSV; a bad date is ``invalid_filter`` (a page)."""
    where = _where(actor, action, target, since, until)
    rows, _ = audit.list_events(session, where=where, limit=EXPORT_LIMIT, offset=0)
    response = csv_export(rows)
    response.headers["Cache-Control"] = "no-store"
    return response
