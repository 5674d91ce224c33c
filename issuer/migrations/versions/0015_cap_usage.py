"""Running totals of what each account counts against the caps of each standard, and
an index the balances are summed from.

Revision ID: 0015
Revises: 0013

A decision used to read every recognition of the account to know how much of a yearly,
per-kind or per-source cap was used: each deposit cost more than the one before (10,000
rows into one account took 262 s). ``cap_usage`` holds the totals, one row per learner,
standard id, cap dimension and key; it is filled here from the recognitions that count
(recognised or pending review) and kept by the code from now on.

Balances stay derived from the entries; ``ix_ledger_entry_totals`` covers the sum by
domain and kind, so an account view reads the index, not every entry's row.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTED = "status IN ('recognised', 'pending_review')"


def upgrade() -> None:
    op.create_table(
        "cap_usage",
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("standard_id", sa.String(64), nullable=False),
        sa.Column("dimension", sa.String(8), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("half_credits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("learner_id", "standard_id", "dimension", "key"),
    )
    if op.get_bind().dialect.name == "sqlite":
        sid = (
            "CASE WHEN instr(standard, '@') > 0 "
            "THEN substr(standard, 1, instr(standard, '@') - 1) ELSE standard END"
        )
    else:
        sid = "split_part(standard, '@', 1)"
    for dimension, key in (
        ("year", "CAST(year AS VARCHAR(200))"),
        ("kind", "kind"),
        ("source", "source"),
    ):
        # Every part of this statement is a constant of this module.
        op.execute(
            "INSERT INTO cap_usage (learner_id, standard_id, dimension, key, half_credits) "  # noqa: S608
            f"SELECT learner_id, {sid}, '{dimension}', {key}, SUM(half_credits) "
            f"FROM recognition WHERE {_COUNTED} GROUP BY learner_id, {sid}, {key}"
        )

    op.create_index(
        "ix_ledger_entry_totals", "ledger_entry", ["learner_id", "domain", "kind", "half_credits"]
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_entry_totals", table_name="ledger_entry")
    op.drop_table("cap_usage")
