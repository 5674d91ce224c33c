"""Background CSV imports of the institution workspace: one job per uploaded file.

A job is a file of achievements or of learner accounts, uploaded by a staff member of an
institution and imported by ``creditbank worker``. ``done`` and the counts advance in
the same transaction as each batch of rows, and every row's outcome is kept as one
``import_job_row``: a worker killed mid-job resumes after the last committed batch, and
the report lists each row once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = [
    "IMPORT_JOB_KINDS",
    "ImportJob",
    "ImportJobFile",
    "ImportJobKind",
    "ImportJobRow",
    "ImportJobState",
]

ImportJobKind = Literal["achievements", "learners"]
ImportJobState = Literal["queued", "running", "done", "failed"]
IMPORT_JOB_KINDS: tuple[ImportJobKind, ...] = ("achievements", "learners")


class ImportJob(SQLModel, table=True):
    """One uploaded CSV and how far its import has come."""

    __tablename__ = "import_job"

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    staff_id: int = Field(foreign_key="staff_account.id")
    kind: str = Field(sa_type=String(16))
    state: str = Field(default="queued", sa_type=String(16))
    filename: str = Field(max_length=200)
    # SHA-256 of the uploaded bytes (kept in import_job_file, so any worker host reads them).
    sha256: str = Field(max_length=64)
    total: int = 0
    done: int = 0
    recorded: int = 0
    pending_review: int = 0
    skipped: int = 0
    bad: int = 0
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ImportJobRow(SQLModel, table=True):
    """The outcome of one row of a job's file (its report line)."""

    __tablename__ = "import_job_row"
    __table_args__ = (UniqueConstraint("job_id", "line", name="uq_import_job_row_line"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="import_job.id", index=True)
    line: int
    status: str = Field(sa_type=String(16))
    detail: str = Field(max_length=1000)
    half_credits: int = 0


class ImportJobFile(SQLModel, table=True):
    """The uploaded bytes of a job, in the database: a worker on any host can read them."""

    __tablename__ = "import_job_file"

    job_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("import_job.id"), primary_key=True, autoincrement=False
        )
    )
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
