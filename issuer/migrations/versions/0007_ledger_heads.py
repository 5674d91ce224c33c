"""Ledger heads: each learner row records the last seq and hash of its chain.

Revision ID: 0007
Revises: 0006

A hash chain alone cannot show that its last entries were deleted; the head kept on the
learner row (updated in the same transaction as every append) can. Existing chains get
their current tail as head.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.add_column(sa.Column("ledger_seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("ledger_head", sa.String(64), nullable=False, server_default=_GENESIS)
        )
    op.execute(
        "UPDATE learner SET "
        "ledger_seq = (SELECT max(seq) FROM ledger_entry WHERE learner_id = learner.id), "
        "ledger_head = (SELECT hash FROM ledger_entry WHERE learner_id = learner.id "
        "ORDER BY seq DESC LIMIT 1) "
        "WHERE EXISTS (SELECT 1 FROM ledger_entry WHERE learner_id = learner.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.drop_column("ledger_head")
        batch.drop_column("ledger_seq")
