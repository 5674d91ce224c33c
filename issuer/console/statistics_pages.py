"""The statistics page of the education department: filters, server-drawn charts, the table.

The figures are :func:`issuer.bank.statistics.compute`'s, grouped by institution or by
centre; the charts are :func:`issuer.api.charts.render`'s SVG, served by a console route
(``<img src>``: an SVG in an image runs nothing) and the CSV is the API's writer. A
centre manager sees the institutions of their own centre's subtree only: the others'
figures (and learners who opened their account themselves) are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from issuer.api import charts, filters
from issuer.api.deps import SessionDep
from issuer.api.statistics import csv_export
from issuer.bank import statistics
from issuer.console.auth import CurrentStaff, require_staff
from issuer.console.render import ConsoleRoute, page
from issuer.core import i18n, labels
from issuer.core.errors import InvalidFilter, NotFound
from issuer.core.i18n import N_
from issuer.models import Institution
from issuer.portal.pages import locale_of

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

ReaderDep = Annotated[CurrentStaff, Depends(require_staff("operator", "centre_manager"))]
Month = Annotated[str, Query(max_length=7)]
Short = Annotated[str, Query(max_length=16)]
#: The label of institutions outside a centre manager's scope (their rows are dropped).
_OUTSIDE = "\x00outside"
METRICS = {
    "accounts_opened": N_("Accounts opened"),
    "deposits": N_("Deposits"),
    "credits_granted": N_("Credits granted"),
    "applications": N_("Applications"),
    "review_time": N_("Review time (hours)"),
    "credentials_issued": N_("Credentials issued"),
    "transfers": N_("Transfers"),
    "redemptions": N_("Redemptions"),
}


#: The recognition statuses of ``applications`` rows (the charts' words).
_APPLICATION_STATUSES = {
    "recognised": N_("recognised"),
    "pending_review": N_("awaiting review"),
    "rejected": N_("rejected"),
}


def detail(row: statistics.StatRow, gettext: Callable[[str], str]) -> str:
    """A row's key in words: domain and kind, a status or a format (else as it is)."""
    if row.metric == "deposits":
        domain, _, kind = row.key.partition("/")
        return (
            f"{gettext(labels.DOMAINS.get(domain, domain))} · "
            f"{gettext(labels.ACHIEVEMENT_KINDS.get(kind, kind))}"
        )
    if row.metric == "applications" and row.key in _APPLICATION_STATUSES:
        return gettext(_APPLICATION_STATUSES[row.key])
    if row.metric == "credentials_issued" and row.key in labels.CREDENTIAL_FORMATS:
        return gettext(labels.CREDENTIAL_FORMATS[row.key])
    return row.key


@dataclass(frozen=True)
class Figures:
    """The figures a page shows, the filters that chose them, and the groups to pick from."""

    stats: statistics.Statistics
    chosen: dict[str, str]
    groups: list[str]
    error: str = ""


def _names(session: Session, current: CurrentStaff, by: str) -> dict[int, str]:
    names = statistics.centre_groups(session) if by == "centre" else statistics.groups(session)
    if current.scope.everything:
        return names
    inside = set(
        session.exec(
            select(Institution.id).where(col(Institution.centre_id).in_(current.scope.centre_ids))
        )
    )
    return {i: label if i in inside else _OUTSIDE for i, label in names.items()}


def figures(
    session: SessionDep,
    current: ReaderDep,
    since: Annotated[str, Query(alias="from", max_length=7)] = "",
    until: Annotated[str, Query(alias="to", max_length=7)] = "",
    by: Short = "",
    only: Short = "",
) -> Figures:
    """The figures of the filters; a bad filter gives empty figures and its message."""
    chosen = {"from": since, "to": until, "by": by, "only": only}
    empty = statistics.Statistics(since=None, until=None, group=None, rows=[])
    try:
        start, end = filters.month_range(since.strip() or None, until.strip() or None)
        grouping = filters.choice("by", by or None, ("institution", "centre")) or "institution"
    except InvalidFilter as exc:
        return Figures(empty, chosen, [], exc.detail)
    names = _names(session, current, grouping)
    labels = sorted({label for label in names.values() if label != _OUTSIDE})
    if current.scope.everything and grouping == "institution":
        labels.append(statistics.DIRECT)
    if only and only not in labels:
        return Figures(empty, chosen, labels, f"no group {only}")
    stats = statistics.compute(
        session, statistics.Period(start, end), group=only or None, names=names
    )
    if not current.scope.everything:
        shown = set(labels)
        stats = stats.model_copy(update={"rows": [r for r in stats.rows if r.group in shown]})
    return Figures(stats, chosen, labels)


FiguresDep = Annotated[Figures, Depends(figures)]


@router.get("/statistics")
def statistics_page(request: Request, current: ReaderDep, found: FiguresDep) -> HTMLResponse:
    """Filters, the charts and the table of figures."""
    query = urlencode({k: v for k, v in found.chosen.items() if v})
    gettext = i18n.translations(locale_of(request)).gettext
    return page(
        request,
        "statistics.html",
        staff=current,
        csrf=current.csrf,
        rows=found.stats.rows,
        chosen=found.chosen,
        groups=found.groups,
        error=found.error,
        query=query,
        charts=[(name, spec[0]) for name, spec in charts.CHARTS.items()],
        metrics=METRICS,
        detail=lambda row: detail(row, gettext),
    )


@router.get("/statistics.csv")
def statistics_csv(found: FiguresDep) -> Response:
    """The figures of the filters as the API's CSV."""
    if found.error:
        raise InvalidFilter(found.error)
    response = csv_export(found.stats)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/statistics/charts/{name}.svg")
def statistics_chart(request: Request, name: str, found: FiguresDep) -> Response:
    """One chart of the figures, drawn on the server, titles in the reader's language."""
    if name not in charts.CHARTS:
        raise NotFound(f"no chart {name}")
    svg = charts.render(name, found.stats, locale_of(request))
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
