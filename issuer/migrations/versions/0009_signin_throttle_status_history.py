"""Sign-in throttling shared by all workers, and the history of credential status changes.

Revision ID: 0009
Revises: 0008

``signin_throttle`` counts sign-in attempts per account and per client address, with the
moment until which each is locked. ``credential_status_change`` records every revocation,
suspension and reinstatement with who, why and the committee case that required it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signin_throttle",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_signin_throttle"),
    )
    op.create_table(
        "credential_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_credential_status_change"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name="fk_credential_status_change_credential_id_credential",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["committee_case.id"],
            name="fk_credential_status_change_case_id_committee_case",
        ),
    )
    op.create_index(
        "ix_credential_status_change_credential_id",
        "credential_status_change",
        ["credential_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_credential_status_change_credential_id", table_name="credential_status_change"
    )
    op.drop_table("credential_status_change")
    op.drop_table("signin_throttle")
