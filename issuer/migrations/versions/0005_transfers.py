"""Credit transfers recorded by universities.

Revision ID: 0005
Revises: 0004

Hand-written and checked against the models by tests/issuer/test_migrations.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(128), nullable=True),
        sa.Column("half_credits", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transfer"),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institution.id"], name="fk_transfer_institution_id_institution"
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name="fk_transfer_learner_id_learner"
        ),
    )
    op.create_index("ix_transfer_institution_id", "transfer", ["institution_id"])
    op.create_index("ix_transfer_learner_id", "transfer", ["learner_id"])

    op.create_table(
        "transfer_item",
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("out_entry_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("transfer_id", "ledger_entry_id", name="pk_transfer_item"),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfer.id"], name="fk_transfer_item_transfer_id_transfer"
        ),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"],
            ["ledger_entry.id"],
            name="fk_transfer_item_ledger_entry_id_ledger_entry",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credential.id"], name="fk_transfer_item_credential_id_credential"
        ),
        sa.ForeignKeyConstraint(
            ["out_entry_id"], ["ledger_entry.id"], name="fk_transfer_item_out_entry_id_ledger_entry"
        ),
        # A deposit is transferred once, whatever credential carried it.
        sa.UniqueConstraint("ledger_entry_id", name="uq_transfer_item_ledger_entry_id"),
        sa.UniqueConstraint("out_entry_id", name="uq_transfer_item_out_entry_id"),
    )
    op.create_index("ix_transfer_item_credential_id", "transfer_item", ["credential_id"])


def downgrade() -> None:
    op.drop_table("transfer_item")
    op.drop_table("transfer")
