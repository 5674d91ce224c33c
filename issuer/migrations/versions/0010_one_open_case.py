"""One open committee case per subject, held by the database.

Revision ID: 0010
Revises: 0009

The check before opening a case (a quality review of a recognition, a dispute over an
entry, the review of a standard version) cannot see a concurrent request's case that is
not committed yet; a partial unique index on ``subject`` among the open cases can.
Where earlier races left several open cases on one subject, the newer ones are closed as
``superseded`` first, so the index can be built.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.execute(
        "UPDATE committee_case SET status = 'superseded' WHERE status = 'open' AND id > "
        "(SELECT min(c.id) FROM committee_case c "
        "WHERE c.subject = committee_case.subject AND c.status = 'open')"
    )
    op.create_index(
        "uq_committee_case_open_subject",
        "committee_case",
        ["subject"],
        unique=True,
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_committee_case_open_subject", table_name="committee_case")
