"""Statistics for the education department: JSON, CSV and SVG charts of the same figures.

Only the operator reads them for now; :data:`STATISTICS_READERS` is where another role
(the education department's staff) is added.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import col, select

from issuer.api import charts, filters
from issuer.api.csv_export import CSV_MEDIA_TYPE, csv_response
from issuer.api.deps import SessionDep
from issuer.api.principals import Principal, PrincipalDep, Role
from issuer.bank import statistics
from issuer.core import i18n
from issuer.core.errors import Forbidden, InvalidFilter, NotFound
from issuer.models import Institution

__all__ = ["CSV_COLUMNS", "STATISTICS_READERS", "csv_export", "router"]

router = APIRouter(tags=["statistics"])

#: Roles that may read the statistics.
STATISTICS_READERS: frozenset[Role] = frozenset({"admin"})

#: Columns of ``GET /statistics.csv`` (docs/formats.md describes each).
CSV_COLUMNS = ("period", "group", "metric", "key", "count", "credits", "half_credits", "hours")


def _require_reader(principal: PrincipalDep) -> Principal:
    if principal.role not in STATISTICS_READERS:
        raise Forbidden("the statistics are for the credit bank operator")
    return principal


ReaderDep = Annotated[Principal, Depends(_require_reader)]


def _figures(
    session: SessionDep,
    _reader: ReaderDep,
    since: Annotated[
        str | None, Query(alias="from", max_length=7, description="First month, YYYY-MM.")
    ] = None,
    until: Annotated[
        str | None, Query(alias="to", max_length=7, description="Last month, YYYY-MM.")
    ] = None,
    institution: Annotated[
        str | None, Query(max_length=16, description="One group: an institution code.")
    ] = None,
    by: Annotated[
        str | None,
        Query(max_length=16, description="Group by 'institution' (default) or 'centre'."),
    ] = None,
) -> statistics.Statistics:
    start, end = filters.month_range(since, until)
    grouping = filters.choice("by", by, ("institution", "centre")) or "institution"
    if grouping == "centre":
        if institution is not None:
            raise InvalidFilter("institution picks one institution; it needs by=institution")
        names = statistics.centre_groups(session)
    else:
        names = statistics.groups(session)
    if institution is not None and institution != statistics.DIRECT:
        known = session.exec(
            select(Institution.id).where(col(Institution.code) == institution)
        ).first()
        if known is None:
            raise InvalidFilter(f"institution {institution} is not registered")
    return statistics.compute(
        session, statistics.Period(start, end), group=institution, names=names
    )


FiguresDep = Annotated[statistics.Statistics, Depends(_figures)]


@router.get("/statistics")
def get_statistics(figures: FiguresDep) -> statistics.Statistics:
    """Accounts opened, deposits by domain and kind, credits granted, applications and
    their outcomes, review times, credentials issued, transfers and redemptions — by
    month (``from``/``to``, YYYY-MM) and group (institution; ``institution`` picks one;
    ``by=centre`` groups by the centre each institution is attached to, ``no_centre``
    for none).

    A bad month or an unknown institution is 422 ``invalid_filter``.
    """
    return figures


@router.get(
    "/statistics.csv",
    response_class=Response,
    responses={200: {"content": {CSV_MEDIA_TYPE: {}}, "description": "The figures as CSV."}},
)
def export_statistics(figures: FiguresDep) -> Response:
    """The same figures as CSV (UTF-8 with BOM, for Excel)."""
    return csv_export(figures)


def csv_export(figures: statistics.Statistics) -> Response:
    """``figures`` as the ``statistics.csv`` download (the console's export uses it too)."""
    return csv_response(
        "statistics.csv",
        CSV_COLUMNS,
        (
            (
                r.period,
                r.group,
                r.metric,
                r.key,
                r.count,
                "" if r.half_credits is None else f"{r.half_credits / 2:g}",
                "" if r.half_credits is None else r.half_credits,
                "" if r.hours is None else r.hours,
            )
            for r in figures.rows
        ),
    )


@router.get(
    "/statistics/charts/{name}.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The chart as SVG."}},
)
def statistics_chart(
    name: str,
    figures: FiguresDep,
    request: Request,
    lang: Annotated[str | None, Query(max_length=8, description="zh_Hans or en")] = None,
) -> Response:
    """One chart of the figures as SVG, drawn on the server: ``credits``, ``deposits``,
    ``applications``, ``credentials``, ``accounts`` or ``transfers`` (404 otherwise).
    Titles in ``lang``, else the ``Accept-Language`` of the request (Chinese first)."""
    if name not in charts.CHARTS:
        raise NotFound(f"no chart {name}; charts: {', '.join(charts.CHARTS)}")
    locale = (
        lang if lang in i18n.LOCALES else i18n.negotiate(request.headers.get("accept-language"))
    )
    assert locale is not None
    return Response(charts.render(name, figures, locale), media_type="image/svg+xml")
