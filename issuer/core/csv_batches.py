"""Bulk imports from CSV, streamed and applied in batches of rows.

The file is read row by row; each row is first *parsed* (checks that need no database)
and then, with up to ``BATCH`` others, *recorded* in one transaction, each row in a
savepoint of its own, so a refused row rolls back alone. That is a commit per batch
instead of per row, memory that does not grow with the file (the report keeps counts and
the first ``BAD_KEPT`` refusals; every row's outcome goes to ``on_row`` as it is
decided), and a crash loses at most the batch in flight, which a rerun then records
(every import skips what it recorded before). A batch the database aborted (a deadlock
with another writer of the same accounts) runs again from its start.

A background job (:mod:`issuer.jobs.import_jobs`) passes :class:`BatchHooks`: it starts
after the rows a killed run committed (``skip``), checks under the import's lock that no
other run took the job over (``before``), and stores the batch's outcomes in the batch's
own transaction (``after``), so a row's deposit and its report line commit together.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from issuer.core.db import is_retryable, lock_key

__all__ = [
    "BAD_KEPT",
    "BATCH",
    "BatchHooks",
    "ImportReport",
    "RowResult",
    "field_error",
    "read_rows",
    "run",
]

RowStatus = Literal["recorded", "pending_review", "skipped", "bad"]
Progress = Callable[[int, int], None]
P = TypeVar("P")

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


@dataclass(frozen=True)
class BatchHooks:
    """What a background job adds to each batch's transaction (see the module docstring).

    ``before(session, offset)`` runs after the import's lock is taken, ``offset`` being the
    data rows before this batch; ``after(session, outcomes)`` runs before the commit with
    the outcome of every row of the batch, in file order.
    """

    skip: int = 0
    before: Callable[[Session, int], None] | None = None
    after: Callable[[Session, list[RowResult]], None] | None = None


def read_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, non-empty cells) for each data row; line numbers count the header."""
    reader = csv.DictReader(lines)
    for row in reader:
        cells = {k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()}
        if None in row:
            cells["__extra__"] = "more cells than header columns"
        yield reader.line_num, cells


def field_error(exc: ValidationError) -> str:
    """The first field error of ``exc`` as ``field: message`` (the line's reason)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"][1:] or first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return max(0, sum(1 for _ in csv.reader(stream)) - 1)


def _outcomes(pending: list[RowResult | P], recorded: list[RowResult]) -> list[RowResult]:
    results = iter(recorded)
    return [row if isinstance(row, RowResult) else next(results) for row in pending]


def _record(
    engine: Engine,
    lock: str,
    record: Callable[[Session, list[P]], list[RowResult]],
    pending: list[RowResult | P],
    hooks: BatchHooks,
    offset: int,
) -> list[RowResult]:
    batch = [row for row in pending if not isinstance(row, RowResult)]
    if not batch and hooks.after is None:
        return _outcomes(pending, [])
    attempt = 1
    while True:
        try:
            with Session(engine) as session:
                # Opens the transaction before the rows' savepoints (SQLite begins one only
                # at a write) and lets one import under ``lock`` run at a time.
                lock_key(session, lock)
                if hooks.before is not None:
                    hooks.before(session, offset)
                results = _outcomes(pending, record(session, batch) if batch else [])
                if hooks.after is not None:
                    hooks.after(session, results)
                session.commit()
            return results
        except DBAPIError as exc:  # rolled back as a whole: running it again is safe
            if attempt == _ATTEMPTS or not is_retryable(exc):
                raise
            attempt += 1


def run(
    engine: Engine,
    path: Path,
    parse: Callable[[int, dict[str, str]], RowResult | P],
    record: Callable[[Session, list[P]], list[RowResult]],
    *,
    lock: str,
    progress: Progress | None = None,
    on_row: Callable[[RowResult], None] | None = None,
    hooks: BatchHooks | None = None,
) -> ImportReport:
    """Import ``path``: ``parse`` each row, ``record`` the parsed ones batch by batch.

    ``record(session, rows)`` returns one result per row, in order, each row applied in
    a savepoint of ``session`` (``session.begin_nested()``). ``progress(done, total)``
    is called after each batch; ``on_row`` with each row's outcome, in file order.
    With ``hooks`` the first ``hooks.skip`` data rows are passed over unread (they were
    committed by an earlier run) and the report counts only the rows of this run.
    """
    hooks = hooks or BatchHooks()
    total = _count_rows(path) if progress is not None else 0
    report = ImportReport()
    done = hooks.skip
    pending: list[RowResult | P] = []

    def flush() -> None:
        nonlocal done
        for outcome in _record(engine, lock, record, pending, hooks, done):
            report.add(outcome)
            if on_row is not None:
                on_row(outcome)
        done += len(pending)
        pending.clear()
        if progress is not None:
            progress(done, total)

    with path.open(encoding="utf-8-sig", newline="") as stream:
        for index, (line, cells) in enumerate(read_rows(stream)):
            if index < hooks.skip:
                continue
            pending.append(parse(line, cells))
            if len(pending) == BATCH:
                flush()
    if pending:
        flush()
    elif progress is not None and done == 0:
        progress(0, 0)
    return report
