"""Each university's own transfer policy, versioned.

Revision ID: 0017
Revises: 0016

``transfer_policy_version`` holds every saved version of a university's policy as the
TOML text ``creditbank-verify transfer --policy`` reads; the highest version is the
current one. Rows are never edited: a save adds the next version.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfer_policy_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("institution_id", sa.Integer(), sa.ForeignKey("institution.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("institution_id", "version", name="uq_transfer_policy_version"),
    )
    op.create_index(
        "ix_transfer_policy_version_institution_id",
        "transfer_policy_version",
        ["institution_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_transfer_policy_version_institution_id", table_name="transfer_policy_version")
    op.drop_table("transfer_policy_version")
