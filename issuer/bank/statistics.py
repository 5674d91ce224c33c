"""Figures for the education department: by group (institution now) and month.

Every figure is a :class:`StatRow` — month, group, metric, key, count, half-credits — so
the JSON, the CSV and the charts are the same numbers. Months are those of the bank's
time zone (:data:`issuer.core.i18n.TIME_ZONE`). Where a figure belongs:

- ``accounts_opened``, ``credentials_issued`` (key: format), ``redemptions``: the
  learner's group — the institution that opened the account, or ``direct``;
- ``deposits`` (key: ``domain/kind``), ``credits_granted``, ``applications`` (key: the
  recognition's status), ``review_time`` (recognitions decided by quality review; hours
  from recording to decision): the institution that recorded the achievement;
- ``transfers``: the receiving institution.

Groups come from one query of :func:`groups` (institution id → label); grouping by centre
is :func:`centre_groups`, the same query joined to the organisation units: nothing else
changes. Verifications are not counted:
they happen offline, on the verifier's side, and leave no trace at the bank by design.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from issuer.core.i18n import TIME_ZONE
from issuer.models import (
    Achievement,
    Credential,
    Institution,
    Learner,
    LedgerEntry,
    OrgUnit,
    Recognition,
    Redemption,
    Transfer,
)

__all__ = [
    "DIRECT",
    "METRICS",
    "NO_CENTRE",
    "Period",
    "StatRow",
    "Statistics",
    "centre_groups",
    "compute",
    "groups",
]

#: The group of learners who opened their account themselves (or through the operator).
DIRECT = "direct"
#: The centre group of institutions not attached to any centre.
NO_CENTRE = "no_centre"
METRICS = (
    "accounts_opened",
    "deposits",
    "credits_granted",
    "applications",
    "review_time",
    "credentials_issued",
    "transfers",
    "redemptions",
)


class StatRow(BaseModel):
    period: str = Field(description="Month, YYYY-MM (bank time zone).")
    group: str = Field(description="Institution code, or 'direct'.")
    metric: str
    key: str = Field(default="", description="Domain/kind, status or format; '' for none.")
    count: int
    half_credits: int | None = None
    hours: float | None = Field(default=None, description="review_time: mean hours.")


class Statistics(BaseModel):
    since: str | None = Field(description="First month included, or null.")
    until: str | None = Field(description="Last month included, or null.")
    group: str | None = Field(description="The one group shown, or null for all.")
    rows: list[StatRow]


@dataclass(frozen=True)
class Period:
    """Months ``since`` .. ``until`` included (``YYYY-MM``); ``None`` is open."""

    since: str | None = None
    until: str | None = None

    def holds(self, month: str) -> bool:
        """Whether ``month`` lies in the period."""
        return (self.since is None or month >= self.since) and (
            self.until is None or month <= self.until
        )


def groups(session: Session) -> dict[int, str]:
    """Institution id → group label (its code)."""
    return {i: code for i, code in session.exec(select(Institution.id, Institution.code)) if i}


def centre_groups(session: Session) -> dict[int, str]:
    """Institution id → group label of its centre (the unit's code, or :data:`NO_CENTRE`)."""
    rows = session.exec(
        select(Institution.id, OrgUnit.code).outerjoin(
            OrgUnit, col(OrgUnit.id) == col(Institution.centre_id)
        )
    )
    return {i: code or NO_CENTRE for i, code in rows if i}


def _month(moment: datetime) -> str:
    # Formatted by hand: strftime was most of the time the figures took (benchmarks/back_office).
    local = moment.astimezone(TIME_ZONE)
    return f"{local.year:04d}-{local.month:02d}"


class _Tally:
    def __init__(self, period: Period, only: str | None) -> None:
        self.period, self.only = period, only
        self.counts: dict[tuple[str, str, str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])

    def add(
        self, at: datetime, group: str, metric: str, key: str = "", half: int = 0, hours: float = 0
    ) -> None:
        month = _month(at)
        if not self.period.holds(month) or (self.only is not None and group != self.only):
            return
        cell = self.counts[(month, group, metric, key)]
        cell[0] += 1
        cell[1] += half
        cell[2] += hours

    def rows(self) -> list[StatRow]:
        out = []
        for (month, group, metric, key), (count, half, hours) in sorted(self.counts.items()):
            out.append(
                StatRow(
                    period=month,
                    group=group,
                    metric=metric,
                    key=key,
                    count=int(count),
                    half_credits=int(half) if metric in _WITH_CREDITS else None,
                    hours=round(hours / count, 1) if metric == "review_time" else None,
                )
            )
        return out


_WITH_CREDITS = ("deposits", "credits_granted", "transfers", "redemptions")


def _label(names: Mapping[int, str], institution_id: int | None) -> str:
    return DIRECT if institution_id is None else names.get(institution_id, DIRECT)


def compute(
    session: Session, period: Period, *, group: str | None = None, names: Mapping[int, str]
) -> Statistics:
    """Every figure of ``period`` (optionally of one ``group``), by month and group."""
    tally = _Tally(period, group)
    learner_group: dict[int, str] = {}
    for learner_id, opened_by, created in session.exec(
        select(Learner.id, Learner.opened_by_institution_id, Learner.created_at)
    ):
        assert learner_id is not None
        learner_group[learner_id] = _label(names, opened_by)
        tally.add(created, learner_group[learner_id], "accounts_opened")
    _achievements(session, tally, names)
    for learner_id, fmt, issued in session.exec(
        select(Credential.learner_id, Credential.format, Credential.issued_at)
    ):
        tally.add(issued, learner_group.get(learner_id, DIRECT), "credentials_issued", fmt)
    for institution_id, half, created in session.exec(
        select(Transfer.institution_id, Transfer.half_credits, Transfer.created_at)
    ):
        tally.add(created, _label(names, institution_id), "transfers", half=half)
    for learner_id, half, created in session.exec(
        select(Redemption.learner_id, Redemption.half_credits, Redemption.created_at)
    ):
        tally.add(created, learner_group.get(learner_id, DIRECT), "redemptions", half=half)
    return Statistics(since=period.since, until=period.until, group=group, rows=tally.rows())


def _achievements(session: Session, tally: _Tally, names: Mapping[int, str]) -> None:
    # Five columns: SQLAlchemy's select (SQLModel's is typed for at most four).
    deposits = session.execute(
        sa_select(
            col(LedgerEntry.domain),
            col(Achievement.kind),
            col(LedgerEntry.half_credits),
            col(LedgerEntry.created_at),
            col(Achievement.institution_id),
        )
        .join(Achievement, col(Achievement.id) == col(LedgerEntry.achievement_id))
        .where(col(LedgerEntry.kind) == "deposit")
    )
    for domain, kind, half, created, institution_id in deposits:
        label = _label(names, institution_id)
        tally.add(created, label, "deposits", f"{domain}/{kind}", half)
        tally.add(created, label, "credits_granted", half=half)
    recognitions = session.execute(
        sa_select(
            col(Recognition.status),
            col(Recognition.created_at),
            col(Recognition.decided_at),
            col(Recognition.decided_by),
            col(Achievement.institution_id),
        ).join(Achievement, col(Achievement.id) == col(Recognition.achievement_id))
    )
    for status, created, decided, decided_by, institution_id in recognitions:
        label = _label(names, institution_id)
        tally.add(created, label, "applications", status)
        if decided is not None and decided_by != "engine":
            hours = (decided - created).total_seconds() / 3600
            tally.add(created, label, "review_time", hours=hours)
