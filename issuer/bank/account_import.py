"""Accounts opened in bulk from CSV by an institution (集体开户, ``creditbank import learners``).

Columns: ``name`` and ``national_id``, optionally ``mobile`` and ``email`` (for password
resets). Each good row opens one account, as ``POST /learners`` does (the ID kept only
as its keyed hash and masked form) and reports its account number; a row whose ID
already has an account is ``skipped`` (so a rerun opens nothing twice), a bad row is
reported with its line and reason. Bulk-opened accounts have no password: the learner
sets one with a reset code from a certification centre, or by email when the row gave an
address. Streamed and in batches: :mod:`issuer.core.csv_batches`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.bank.accounts import create_learner, get_learner
from issuer.core import csv_batches, national_id
from issuer.core.csv_batches import ImportReport, RowResult, field_error
from issuer.core.errors import InvalidNationalId, LearnerExists, NotFound
from issuer.core.settings import Settings
from issuer.models import Institution, LearnerCreate
from issuer.models.passwords import EMAIL_PATTERN, MOBILE_PATTERN

__all__ = ["import_learners"]

#: A parsed row: line, the account to open, mobile and email.
_Parsed = tuple[int, LearnerCreate, str | None, str | None]


def _parse(line: int, cells: dict[str, str]) -> RowResult | _Parsed:
    if "__extra__" in cells:
        return RowResult(line, "bad", cells["__extra__"])
    mobile, email = cells.get("mobile"), cells.get("email")
    if mobile is not None and not re.fullmatch(MOBILE_PATTERN, mobile):
        return RowResult(line, "bad", "mobile: an 11-digit mainland mobile number is required")
    if email is not None and not re.fullmatch(EMAIL_PATTERN, email):
        return RowResult(line, "bad", "email: not an email address")
    try:
        data = LearnerCreate(name=cells.get("name", ""), national_id=cells.get("national_id", ""))
        national_id.parse(data.national_id)
    except ValidationError as exc:
        return RowResult(line, "bad", field_error(exc))
    except InvalidNationalId as exc:
        return RowResult(line, "bad", f"{exc.code}: {exc.detail}")
    return line, data, mobile, email


def _record_rows(
    session: Session,
    batch: list[_Parsed],
    *,
    settings: Settings,
    institution: tuple[int, str],
) -> list[RowResult]:
    institution_id, code = institution
    results = []
    for line, data, mobile, email in batch:
        try:
            with session.begin_nested():
                opened = create_learner(
                    session,
                    settings,
                    data,
                    actor=f"institution:{code}",
                    institution_id=institution_id,
                )
                learner = get_learner(session, opened.id)
                learner.mobile, learner.email = mobile, email
                session.add(learner)
        except LearnerExists as exc:
            results.append(RowResult(line, "skipped", exc.detail))
        else:
            results.append(RowResult(line, "recorded", f"account {opened.id}"))
    return results


def import_learners(
    engine: Engine,
    settings: Settings,
    institution_code: str,
    path: Path,
    *,
    progress: csv_batches.Progress | None = None,
    on_row: Callable[[RowResult], None] | None = None,
    hooks: csv_batches.BatchHooks | None = None,
) -> ImportReport:
    """Open the accounts ``path`` lists, for the institution ``institution_code``."""
    with Session(engine) as session:
        found = session.exec(
            select(Institution.id).where(col(Institution.code) == institution_code)
        ).first()
    if found is None:
        raise NotFound(f"institution {institution_code} does not exist")
    return csv_batches.run(
        engine,
        path,
        _parse,
        partial(_record_rows, settings=settings, institution=(found, institution_code)),
        lock=f"import-learners:{institution_code}",
        progress=progress,
        on_row=on_row,
        hooks=hooks,
    )
