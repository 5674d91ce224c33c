"""CSV import jobs submitted over the API with an institution's API key.

Revision ID: 0023
Revises: 0022

``import_job.staff_id`` may be empty: a job queued by ``POST /imports`` with the
institution's API key has no member of staff behind it (the audit trail names the
institution). A downgrade refuses while such jobs exist (the column cannot become
required again over empty values); delete them first.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_job") as batch:
        batch.alter_column("staff_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("import_job") as batch:
        batch.alter_column("staff_id", existing_type=sa.Integer(), nullable=False)
