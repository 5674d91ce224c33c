"""Query filters of the list endpoints, read here so a bad one is a clear 422.

Dates arrive as text and are read by :func:`date_range`, not by FastAPI's validation, so a
bad one is ``invalid_filter`` naming the parameter (not a generic ``invalid_request``);
choices (``status``, ``format``) are checked by :func:`choice` the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta

from issuer.core.errors import InvalidFilter

__all__ = ["DateRange", "choice", "date_range", "month_range"]

DateRange = tuple[datetime | None, datetime | None]


def _moment(name: str, raw: str, *, end: bool) -> datetime:
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            # A bare day covers the whole day: "to=2026-03-31" includes 31 March.
            start = datetime.combine(day, time.min, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidFilter(
            f"{name} must be a date (YYYY-MM-DD) or an ISO 8601 date and time"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def date_range(since: str | None, until: str | None) -> DateRange:
    """``from``/``to`` as ``[start, end)`` in UTC; a bare ``to`` day is included whole."""
    start = None if since is None else _moment("from", since, end=False)
    end = None if until is None else _moment("to", until, end=True)
    if start is not None and end is not None and start >= end:
        raise InvalidFilter("from must be before to")
    return start, end


def choice(name: str, raw: str | None, allowed: Collection[str]) -> str | None:
    """``raw`` if it is one of ``allowed`` (or absent), else ``invalid_filter``."""
    if raw is None or raw in allowed:
        return raw
    raise InvalidFilter(f"{name} must be one of: {', '.join(sorted(allowed))}")


def _month(name: str, raw: str) -> str:
    text = raw.strip()
    try:
        if len(text) != 7:
            raise ValueError(text)
        date.fromisoformat(text + "-01")
    except ValueError:
        raise InvalidFilter(f"{name} must be a month, YYYY-MM") from None
    return text


def month_range(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """``from``/``to`` months (``YYYY-MM``, both included); ``from`` after ``to`` is refused."""
    start = None if since is None else _month("from", since)
    end = None if until is None else _month("to", until)
    if start is not None and end is not None and start > end:
        raise InvalidFilter("from must not be after to")
    return start, end
