"""Bulk import of achievements from CSV (``creditbank import achievements``).

Every row names ``learner_id`` and ``kind`` plus the fields of that kind (see
:mod:`issuer.conversion.evidence`); empty cells are left out. ``external_ref`` is
required: it makes reruns safe, because a row whose ``external_ref`` the institution
already recorded is skipped, so the same file never deposits twice. A bad row is
reported with its line number and reason and changes nothing; the good rows are
applied. Streamed and in batches: :mod:`issuer.core.csv_batches`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.conversion.achievements import record_achievement
from issuer.conversion.evidence import AchievementCreate, achievement_adapter
from issuer.conversion.standards import catalogue
from issuer.core import csv_batches
from issuer.core.csv_batches import ImportReport, RowResult, RowStatus, field_error
from issuer.core.errors import AchievementExists, CreditBankError, NotFound
from issuer.core.settings import Settings
from issuer.models import Institution, utcnow

__all__ = ["ImportReport", "RowResult", "import_achievements"]


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
        return RowResult(line, "bad", field_error(exc))
    return line, int(learner), data


def _record_rows(
    session: Session,
    batch: list[_Parsed],
    *,
    settings: Settings,
    institution_id: int,
    context: dict[str, Any],
) -> list[RowResult]:
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
            results.append(RowResult(line, status, decision.explanation_en, decision.half_credits))
    return results


def import_achievements(
    engine: Engine,
    settings: Settings,
    institution_code: str,
    path: Path,
    *,
    on: date | None = None,
    progress: csv_batches.Progress | None = None,
    on_row: Callable[[RowResult], None] | None = None,
    hooks: csv_batches.BatchHooks | None = None,
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
    return csv_batches.run(
        engine,
        path,
        _parse,
        partial(_record_rows, settings=settings, institution_id=institution_id, context=context),
        lock=f"import:{institution_id}",
        progress=progress,
        on_row=on_row,
        hooks=hooks,
    )
