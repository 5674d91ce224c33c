"""Bulk import of achievements from CSV, one transaction per row.

Every row names ``learner_id`` and ``kind`` plus the fields of that kind (see
:mod:`issuer.conversion.evidence`); empty cells are left out. ``external_ref`` is
required: it makes reruns safe, because a row whose ``external_ref`` the institution
already recorded is skipped, so the same file never deposits twice. A bad row is
reported with its line number and reason and changes nothing (its transaction is
rolled back); the good rows are applied.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.conversion.achievements import record_achievement
from issuer.conversion.evidence import achievement_adapter
from issuer.conversion.standards import catalogue
from issuer.core.errors import AchievementExists, CreditBankError, NotFound
from issuer.core.settings import Settings
from issuer.models import Institution, utcnow

__all__ = ["ImportReport", "RowResult", "import_achievements", "read_rows"]

RowStatus = Literal["recorded", "pending_review", "skipped", "bad"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowResult:
    """The outcome of one CSV row."""

    line: int
    status: RowStatus
    detail: str
    half_credits: int = 0


@dataclass
class ImportReport:
    """The outcome of one import, row by row."""

    rows: list[RowResult] = field(default_factory=list)

    def count(self, status: RowStatus) -> int:
        """How many rows ended with ``status``."""
        return sum(1 for row in self.rows if row.status == status)

    @property
    def bad(self) -> list[RowResult]:
        """The rows that were refused."""
        return [row for row in self.rows if row.status == "bad"]


def read_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, non-empty cells) for each data row; line numbers count the header."""
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        cells = {k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()}
        if None in row:
            cells["__extra__"] = "more cells than header columns"
        yield reader.line_num, cells


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"][1:] or first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _apply(
    engine: Engine,
    settings: Settings,
    institution_id: int,
    line: int,
    cells: dict[str, str],
    context: dict[str, Any],
) -> RowResult:
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
    with Session(engine) as session:
        institution = session.get(Institution, institution_id)
        assert institution is not None
        try:
            result = record_achievement(
                session, settings, institution, int(learner), data, **context
            )
            session.commit()
        except AchievementExists:
            session.rollback()
            return RowResult(line, "skipped", f"external_ref {data.external_ref} already recorded")
        except CreditBankError as exc:
            session.rollback()
            return RowResult(line, "bad", f"{exc.code}: {exc.detail}")
    status: RowStatus = (
        "pending_review" if result.recognition.status == "pending_review" else "recorded"
    )
    return RowResult(line, status, result.decision.explanation_en, result.decision.half_credits)


def import_achievements(
    engine: Engine,
    settings: Settings,
    institution_code: str,
    path: Path,
    *,
    on: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` for the institution with ``institution_code``; see the module docstring."""
    text = path.read_text("utf-8-sig")
    rows = list(read_rows(text))
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
    report = ImportReport()
    for done, (line, cells) in enumerate(rows, start=1):
        report.rows.append(_apply(engine, settings, institution_id, line, cells, context))
        if progress is not None:
            progress(done, len(rows))
    return report
