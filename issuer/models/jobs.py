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
from issuer.models.input import RequestModel

__all__ = [
    "IMPORT_JOB_KINDS",
    "ImportJob",
    "ImportJobCreate",
    "ImportJobFile",
    "ImportJobKind",
    "ImportJobPublic",
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
    # Who uploaded it; none for a job queued with the institution's API key.
    staff_id: int | None = Field(default=None, foreign_key="staff_account.id")
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


class ImportJobCreate(RequestModel):
    """The text fields of an upload besides its file (``POST /imports``, the workspace form)."""

    kind: ImportJobKind = Field(
        description="What the file holds: achievements, or learner accounts to open."
    )


class ImportJobPublic(SQLModel):
    """A job's status document: where its import has come, and its counts so far."""

    id: int
    kind: ImportJobKind
    state: ImportJobState = Field(
        description="queued, running, done (every row has its outcome) or failed (see error)."
    )
    filename: str
    total: int = Field(description="Data rows in the file (the header row not counted).")
    done: int = Field(description="Rows with an outcome so far (committed batches).")
    percent: int = Field(description="done of total, 0..100 (100 for an empty file).")
    recorded: int = Field(description="Rows deposited (achievements) or opened (accounts).")
    pending_review: int = Field(description="Achievements recorded and held for review.")
    skipped: int = Field(description="Rows recorded before (same reference), left alone.")
    bad: int = Field(description="Rows refused; the report says why.")
    error: str | None = Field(description="Why a failed job stopped.")
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: ImportJob) -> ImportJobPublic:
        """The status document of ``job``."""
        percent = 100 if job.total == 0 else min(100, job.done * 100 // job.total)
        return cls.model_validate(job, update={"percent": percent})
