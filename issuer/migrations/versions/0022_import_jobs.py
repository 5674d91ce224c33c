"""Background CSV imports of the institution workspace.

Revision ID: 0022
Revises: 0021

``import_job``: one uploaded CSV of achievements or learner accounts, its state and how
many rows are done (advanced with each committed batch); ``import_job_row``: each row's
outcome, the job's report; ``import_job_file``: the uploaded bytes, in the database so
that a worker on any host reads them. Staff of role ``institution`` need no new column (their
institution is ``staff_account.institution_id``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("institution_id", sa.Integer(), sa.ForeignKey("institution.id"), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_account.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("recorded", sa.Integer(), nullable=False),
        sa.Column("pending_review", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("bad", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_import_job_institution_id", "import_job", ["institution_id"])
    op.create_table(
        "import_job_file",
        sa.Column(
            "job_id",
            sa.Integer(),
            sa.ForeignKey("import_job.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "import_job_row",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("import_job.id"), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(1000), nullable=False),
        sa.Column("half_credits", sa.Integer(), nullable=False),
        sa.UniqueConstraint("job_id", "line", name="uq_import_job_row_line"),
    )
    op.create_index("ix_import_job_row_job_id", "import_job_row", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_import_job_row_job_id", table_name="import_job_row")
    op.drop_table("import_job_row")
    op.drop_table("import_job_file")
    op.drop_index("ix_import_job_institution_id", table_name="import_job")
    op.drop_table("import_job")
