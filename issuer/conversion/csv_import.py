"""Bulk import of achievements from CSV, streamed, in batches of rows.

Every row names ``learner_id`` and ``kind`` plus the fields of that kind (see
:mod:`issuer.conversion.evidence`); empty cells are left out. ``external_ref`` is
required: it makes reruns safe, because a row whose ``external_ref`` the institution
already recorded is skipped, so the same file never deposits twice. A bad row is
reported with its line number and reason and changes nothing (its savepoint is rolled
back); the good rows are applied.

The file is read row by row and ``BATCH`` rows share one transaction, each row in a
savepoint of its own: a commit per batch instead of per row, memory that does not grow
with the file (the report keeps counts and the first ``BAD_KEPT`` refusals; every row's
outcome goes to ``on_row`` as it is decided), and a crash loses at most the batch in
flight, which a rerun then records. A batch the database aborted (a deadlock with
another writer of the same accounts) runs again from its start.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from issuer.conversion.achievements import record_achievement
from issuer.conversion.evidence import AchievementCreate, achievement_adapter
from issuer.conversion.standards import catalogue
from issuer.core.db import is_retryable, lock_key
from issuer.core.errors import AchievementExists, CreditBankError, NotFound
from issuer.core.settings import Settings
from issuer.models import Institution, utcnow

__all__ = ["BATCH", "ImportReport", "RowResult", "import_achievements", "read_rows"]

RowStatus = Literal["recorded", "pending_review", "skipped", "bad"]
Progress = Callable[[int, int], None]

#: Rows per transaction.
BATCH = 200
#: Refused rows the report keeps for printing; all of them reach ``on_row``.
BAD_KEPT = 1000
#: Runs of one batch the database may abort before the import gives up.
_ATTEMPTS = 3


@dataclass(frozen=True)
class RowResult:
    """The outcome of one CSV row."""

    line: int
    status: RowStatus
    detail: str
    half_credits: int = 0


@dataclass
class ImportReport:
    """The outcome of one import: counts per status and the first refused rows."""

    counts: Counter[str] = field(default_factory=Counter)
    bad: list[RowResult] = field(default_factory=list)

    def add(self, row: RowResult) -> None:
        """Count ``row`` (and keep it, if refused and fewer than ``BAD_KEPT`` are kept)."""
        self.counts[row.status] += 1
        if row.status == "bad" and len(self.bad) < BAD_KEPT:
            self.bad.append(row)

    def count(self, status: RowStatus) -> int:
        """How many rows ended with ``status``."""
        return self.counts[status]


def read_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, non-empty cells) for each data row; line numbers count the header."""
    reader = csv.DictReader(lines)
    for row in reader:
        cells = {k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()}
        if None in row:
            cells["__extra__"] = "more cells than header columns"
        yield reader.line_num, cells


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"][1:] or first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


#: A row that passed the checks that need no database: its line, learner and achievement.
_Parsed = tuple[int, int, AchievementCreate]


def _parse(line: int, cells: dict[str, str]) -> RowResult | _Parsed:
    if "__extra__" in cells:
        return RowResult(line, "bad", cells["__extra__"])
    learner = cells.pop("learner_id", "")
    if not learner.isdigit():
        return RowResult(line, "bad", "learner_id: a learner id (digits) is required")
    if "external_ref" not in cells:
        return RowResult(line, "bad", "external_ref: required for imports (it makes reruns safe)")
    try:
        # CSV cells are all text: numbers and booleans are read from it (lax mode).
        data = achievement_adapter.validate_python(cells, strict=False)
    except ValidationError as exc:
        return RowResult(line, "bad", _reason(exc))
    return line, int(learner), data


def _record_batch(
    engine: Engine,
    settings: Settings,
    institution_id: int,
    batch: list[_Parsed],
    context: dict[str, Any],
) -> list[RowResult]:
    with Session(engine) as session:
        # Opens the transaction before the first savepoint (SQLite begins one only at a
        # write) and lets one import of an institution's rows run at a time.
        lock_key(session, f"import:{institution_id}")
        institution = session.get(Institution, institution_id)
        assert institution is not None
        results = []
        for line, learner_id, data in batch:
            try:
                with session.begin_nested():
                    result = record_achievement(
                        session, settings, institution, learner_id, data, **context
                    )
            except AchievementExists:
                detail = f"external_ref {data.external_ref} already recorded"
                results.append(RowResult(line, "skipped", detail))
            except CreditBankError as exc:
                results.append(RowResult(line, "bad", f"{exc.code}: {exc.detail}"))
            else:
                pending = result.recognition.status == "pending_review"
                status: RowStatus = "pending_review" if pending else "recorded"
                decision = result.decision
                results.append(
                    RowResult(line, status, decision.explanation_en, decision.half_credits)
                )
        session.commit()
    return results


def _record(
    engine: Engine,
    settings: Settings,
    institution_id: int,
    batch: list[_Parsed],
    context: dict[str, Any],
) -> list[RowResult]:
    if not batch:
        return []
    attempt = 1
    while True:
        try:
            return _record_batch(engine, settings, institution_id, batch, context)
        except DBAPIError as exc:  # rolled back as a whole: running it again is safe
            if attempt == _ATTEMPTS or not is_retryable(exc):
                raise
            attempt += 1


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return max(0, sum(1 for _ in csv.reader(stream)) - 1)


def import_achievements(
    engine: Engine,
    settings: Settings,
    institution_code: str,
    path: Path,
    *,
    on: date | None = None,
    progress: Progress | None = None,
    on_row: Callable[[RowResult], None] | None = None,
) -> ImportReport:
    """Import ``path`` for the institution with ``institution_code``; see the module docstring.

    ``progress(done, total)`` is called after each batch; ``on_row`` with each row's
    outcome, in file order.
    """
    on = on or utcnow().date()
    with Session(engine) as session:
        institution = session.exec(
            select(Institution).where(col(Institution.code) == institution_code)
        ).first()
        if institution is None:
            raise NotFound(f"institution {institution_code} does not exist")
        assert institution.id is not None
        institution_id = institution.id
        # One compiled catalogue for the whole file: every row is decided on the same date.
        context: dict[str, Any] = {"on": on, "catalogue": catalogue(session, on)}
    total = _count_rows(path) if progress is not None else 0
    report = ImportReport()
    done = 0
    pending: list[RowResult | _Parsed] = []

    def flush() -> None:
        nonlocal done
        parsed = [row for row in pending if not isinstance(row, RowResult)]
        recorded = iter(_record(engine, settings, institution_id, parsed, context))
        for row in pending:
            outcome = row if isinstance(row, RowResult) else next(recorded)
            report.add(outcome)
            if on_row is not None:
                on_row(outcome)
        done += len(pending)
        pending.clear()
        if progress is not None:
            progress(done, total)

    with path.open(encoding="utf-8-sig", newline="") as stream:
        for line, cells in read_rows(stream):
            pending.append(_parse(line, cells))
            if len(pending) == BATCH:
                flush()
    if pending:
        flush()
    elif progress is not None and done == 0:
        progress(0, 0)
    return report
