"""The registrar's decision, item by item, kept when the transfer is recorded.

Revision ID: 0024
Revises: 0023

``transfer_decision_item``: one row per item of the report a registrar recorded from (the
bank's copies, or the uploaded files and presentations, which are forgotten once
recorded) with its source, course, institution, credits, outcome and reason; the
decision's CSV and PDF are read from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfer_decision_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("transfer_application.id"),
            nullable=False,
        ),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_account.id"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("policy", sa.String(200), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(220), nullable=False),
        sa.Column("jti", sa.String(64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("institution", sa.String(500), nullable=True),
        sa.Column("half_credits", sa.Integer(), nullable=True),
        sa.Column("domain", sa.String(16), nullable=True),
        sa.Column("standard", sa.String(120), nullable=True),
        sa.Column("achieved_on", sa.String(32), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("duplicate_source", sa.String(220), nullable=True),
        sa.Column("transfer_id", sa.Integer(), sa.ForeignKey("transfer.id"), nullable=True),
    )
    op.create_index(
        "ix_transfer_decision_item_application_id",
        "transfer_decision_item",
        ["application_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_transfer_decision_item_application_id", table_name="transfer_decision_item")
    op.drop_table("transfer_decision_item")
