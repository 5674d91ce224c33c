"""Background CSV imports: a job per uploaded file, run by ``creditbank worker``.

:func:`create_job` checks the file before anything is queued (UTF-8 CSV text, the header
naming the columns of its import: ``csv_unreadable`` / ``csv_header``), keeps its bytes in
the database and audits the upload. :func:`run_job` imports it with the same functions as
``creditbank import`` (:mod:`issuer.conversion.csv_import`,
:mod:`issuer.bank.account_import`); each batch's transaction also stores the report lines
of its rows and advances the job's counts, after checking under the import's lock that
the job is where this run left it. So a run killed mid-job is resumed by the next one
from its last committed batch, a second run of the same job stops at once, and every row
is deposited and reported once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from issuer.bank.account_import import import_learners
from issuer.committee import reviews
from issuer.conversion.csv_import import import_achievements
from issuer.core import audit, csv_batches
from issuer.core.csv_batches import RowResult
from issuer.core.errors import CsvHeader, CsvUnreadable, NotFound, PayloadTooLarge
from issuer.core.settings import Settings
from issuer.models import (
    ImportJob,
    ImportJobFile,
    ImportJobKind,
    ImportJobRow,
    Institution,
    utcnow,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "REPORT_COLUMNS",
    "REQUIRED_COLUMNS",
    "count_jobs",
    "create_job",
    "get_job",
    "job_rows",
    "list_jobs",
    "report_lines",
    "run_job",
    "unfinished_jobs",
]

logger = logging.getLogger("issuer.jobs")

#: The largest file a job takes (10,000 achievement rows are about 1.5 MB).
MAX_FILE_BYTES = 16 * 1024 * 1024
#: The most data rows a job takes.
MAX_ROWS = 100_000
#: The columns each kind of import needs in its header row.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "achievements": ("learner_id", "kind", "external_ref"),
    "learners": ("name", "national_id"),
}
#: The columns of a job's report, one line per data row of the file.
REPORT_COLUMNS = ("line", "status", "detail", "credits")


class _TakenOver(Exception):
    """Another run of the same job committed a batch this run was about to record."""


def _rows_of(content: bytes, kind: ImportJobKind) -> int:
    if not content.strip():
        raise CsvUnreadable("the file is empty")
    if b"\x00" in content:
        raise CsvUnreadable("the file is not text (it holds NUL bytes)")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvUnreadable(f"the file is not UTF-8 text (byte {exc.start})") from None
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [cell.strip() for cell in next(reader, [])]
        rows = sum(1 for row in reader if any(cell.strip() for cell in row))
    except csv.Error as exc:
        raise CsvUnreadable(f"the file is not CSV: {exc}") from None
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in header]
    if missing:
        raise CsvHeader(
            f"the header row lacks the column(s) {', '.join(missing)} of an import of {kind}"
        )
    if rows > MAX_ROWS:
        raise PayloadTooLarge(f"the file has {rows} rows; a job takes at most {MAX_ROWS}")
    return rows


def create_job(
    session: Session,
    institution: Institution,
    kind: ImportJobKind,
    filename: str,
    content: bytes,
    *,
    staff_id: int | None,
    actor: str,
) -> ImportJob:
    """Check ``content`` and queue it as a job of ``institution`` (flushed; the caller
    commits, then enqueues the job's id)."""
    assert institution.id is not None
    if len(content) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"the file is larger than {MAX_FILE_BYTES} bytes")
    total = _rows_of(content, kind)
    job = ImportJob(
        institution_id=institution.id,
        staff_id=staff_id,
        kind=kind,
        filename=filename[:200] or "upload.csv",
        sha256=hashlib.sha256(content).hexdigest(),
        total=total,
    )
    session.add(job)
    session.flush()
    assert job.id is not None
    session.add(ImportJobFile(job_id=job.id, content=content))
    audit.record(
        session,
        actor=actor,
        action="import_job.created",
        subject=f"import_job:{job.id}",
        payload={"kind": kind, "sha256": job.sha256, "rows": total},
        summary=f"CSV import of {total} {kind} rows queued",
        details={"institution_id": institution.id, "filename": job.filename},
    )
    return job


def get_job(session: Session, job_id: int, institution_id: int) -> ImportJob:
    """The job of ``institution_id``, or :class:`NotFound` (another's is not shown)."""
    job = session.get(ImportJob, job_id)
    if job is None or job.institution_id != institution_id:
        raise NotFound(f"no import job {job_id}")
    return job


def list_jobs(
    session: Session, institution_id: int, limit: int = 20, offset: int = 0
) -> list[ImportJob]:
    """The institution's newest jobs first."""
    query = (
        select(ImportJob)
        .where(col(ImportJob.institution_id) == institution_id)
        .order_by(col(ImportJob.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(query))


def count_jobs(session: Session, institution_id: int) -> int:
    """How many jobs the institution has queued, ever."""
    query = select(func.count()).where(col(ImportJob.institution_id) == institution_id)
    return int(session.exec(query).one())


def job_rows(session: Session, job_id: int) -> list[ImportJobRow]:
    """Every row's outcome, in file order."""
    query = select(ImportJobRow).where(col(ImportJobRow.job_id) == job_id)
    return list(session.exec(query.order_by(col(ImportJobRow.line))))


def report_lines(session: Session, job_id: int) -> list[tuple[int, str, str, float]]:
    """The report's lines (:data:`REPORT_COLUMNS`): the file's line number (the header is
    line 1), the row's status, why, and the credits deposited."""
    return [(r.line, r.status, r.detail, r.half_credits / 2) for r in job_rows(session, job_id)]


def unfinished_jobs(engine: Engine) -> list[int]:
    """Jobs queued or cut off mid-run (a worker's start resumes them)."""
    with Session(engine) as session:
        query = select(ImportJob.id).where(col(ImportJob.state).in_(("queued", "running")))
        return [job_id for job_id in session.exec(query.order_by(col(ImportJob.id))) if job_id]


def _hooks(job_id: int, skip: int) -> csv_batches.BatchHooks:
    def before(session: Session, offset: int) -> None:
        job = session.get(ImportJob, job_id, populate_existing=True)
        if job is None or job.done != offset or job.state != "running":
            raise _TakenOver(f"import job {job_id} moved on without this run")

    def after(session: Session, outcomes: list[RowResult]) -> None:
        job = session.get(ImportJob, job_id)
        assert job is not None
        counts = Counter(row.status for row in outcomes)
        for row in outcomes:
            session.add(
                ImportJobRow(
                    job_id=job_id,
                    line=row.line,
                    status=row.status,
                    detail=row.detail[:1000],
                    half_credits=row.half_credits,
                )
            )
        job.done += len(outcomes)
        job.recorded += counts["recorded"]
        job.pending_review += counts["pending_review"]
        job.skipped += counts["skipped"]
        job.bad += counts["bad"]
        session.add(job)

    return csv_batches.BatchHooks(skip=skip, before=before, after=after)


def _start(engine: Engine, job_id: int) -> tuple[ImportJob, str, bytes] | None:
    with Session(engine) as session:
        job = session.get(ImportJob, job_id)
        if job is None or job.state in ("done", "failed"):
            return None
        institution = session.get(Institution, job.institution_id)
        stored = session.get(ImportJobFile, job_id)
        if institution is None or stored is None:
            raise NotFound(f"import job {job_id} has lost its institution or file")
        job.state = "running"
        session.add(job)
        session.commit()
        session.refresh(job)
        session.expunge(job)
        return job, institution.code, stored.content


def _finish(engine: Engine, job_id: int, error: str | None) -> None:
    with Session(engine) as session:
        job = session.get(ImportJob, job_id)
        if job is None or job.state in ("done", "failed"):
            return
        if error is None:
            # Recognitions held for quality review go to the review panel, as after
            # ``creditbank import achievements``.
            if job.kind == "achievements":
                reviews.open_pending_reviews(session, actor=f"import_job:{job_id}")
            recorded = session.exec(
                select(func.count()).where(col(ImportJobRow.job_id) == job_id)
            ).one()
            job.state = "done" if recorded >= job.total else "failed"
            job.error = None if job.state == "done" else "rows are missing from the report"
        else:
            job.state, job.error = "failed", error[:500]
        job.finished_at = utcnow()
        session.add(job)
        audit.record(
            session,
            actor=f"import_job:{job_id}",
            action=f"import_job.{job.state}",
            subject=f"import_job:{job_id}",
            payload={"done": job.done, "bad": job.bad},
            summary=f"CSV import {job.state}: {job.done} rows, {job.bad} refused",
        )
        session.commit()


def run_job(engine: Engine, settings: Settings, job_id: int) -> None:
    """Import job ``job_id`` from where its last committed batch left it; see the module."""
    started = _start(engine, job_id)
    if started is None:
        return
    job, code, content = started
    importer = import_achievements if job.kind == "achievements" else import_learners
    with tempfile.TemporaryDirectory(prefix="creditbank-job-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(content)
        try:
            importer(engine, settings, code, path, hooks=_hooks(job_id, job.done))
        except _TakenOver:
            logger.info("import job %s is run by another worker", job_id)
            return
        except Exception as exc:  # the job says why it stopped; the worker goes on
            logger.exception("import job %s failed", job_id)
            _finish(engine, job_id, f"{type(exc).__name__}: {exc}")
            return
    _finish(engine, job_id, None)
