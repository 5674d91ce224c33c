"""Statistics charts as SVG, drawn on the server with pygal.

The SVG carries no script (pygal's tooltip script would come from a CDN; ``js=[]``, and
its inline config is removed) and
names CJK-capable fonts first, so Chinese titles read on any system that has one.
Titles and series names go through the reader's catalog.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from issuer.api._pygal import Style, pygal
from issuer.bank.statistics import Statistics, StatRow
from issuer.core.i18n import N_, translations

__all__ = ["CHARTS", "render"]

_STYLE = Style(
    font_family="'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
    background="white",
    plot_background="white",
    colors=("#1f5fa8", "#d9822b", "#2e8b57", "#b03a48", "#6a4c93", "#5f6b7a", "#c9a227"),
)

_SCRIPT = re.compile(rb"<script[^>]*>.*?</script>", re.DOTALL)

_STATUS = {
    "recognised": N_("recognised"),
    "pending_review": N_("awaiting review"),
    "more_material": N_("more material requested"),
    "rejected": N_("rejected"),
}


def _series(
    rows: list[StatRow],
    metric: str,
    name: Callable[[StatRow], str],
    value: Callable[[StatRow], float],
) -> tuple[list[str], dict[str, dict[str, float]]]:
    months = sorted({r.period for r in rows if r.metric == metric})
    series: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        if row.metric == metric:
            series[name(row)][row.period] += value(row)
    return months, series


def _credits(row: StatRow) -> float:
    return (row.half_credits or 0) / 2


def _count(row: StatRow) -> float:
    return row.count


#: Chart name → (title, metric, series name of a row, value of a row, stacked).
CHARTS: dict[str, tuple[str, str, Callable[[StatRow], str], Callable[[StatRow], float], bool]] = {
    "credits": (
        N_("Credits granted per month"),
        "credits_granted",
        lambda r: r.group,
        _credits,
        True,
    ),
    "deposits": (
        N_("Credits deposited by domain"),
        "deposits",
        lambda r: r.key.partition("/")[0],
        _credits,
        True,
    ),
    "applications": (
        N_("Applications and their outcomes"),
        "applications",
        lambda r: r.key,
        _count,
        True,
    ),
    "credentials": (
        N_("Credentials issued by format"),
        "credentials_issued",
        lambda r: r.key,
        _count,
        True,
    ),
    "accounts": (N_("Accounts opened"), "accounts_opened", lambda r: r.group, _count, True),
    "transfers": (N_("Transfers to universities"), "transfers", lambda r: r.group, _count, False),
}


def render(name: str, stats: Statistics, locale: str) -> bytes:
    """The SVG of chart ``name`` (a key of :data:`CHARTS`) in ``locale``."""
    title, metric, series_of, value_of, stacked = CHARTS[name]
    gettext = translations(locale).gettext
    months, series = _series(stats.rows, metric, series_of, value_of)
    options: dict[str, Any] = {
        "style": _STYLE,
        "js": [],
        "width": 800,
        "height": 420,
        "x_label_rotation": 30 if len(months) > 6 else 0,
        "legend_at_bottom": True,
        "print_values": False,
        "no_data_text": gettext("No data for this period"),
    }
    chart = (pygal.StackedBar if stacked else pygal.Bar)(**options)
    chart.title = gettext(title)
    chart.x_labels = months
    for label in sorted(series):
        shown = gettext(_STATUS[label]) if metric == "applications" and label in _STATUS else label
        chart.add(shown, [series[label].get(month, 0) for month in months])
    svg: bytes = chart.render()
    # pygal writes its interactive config as an inline <script> even without its script
    # files; the charts are static pictures, so it goes. Labels are codes, statuses and
    # our own titles, none of which can hold "</script>".
    return _SCRIPT.sub(b"", svg)
