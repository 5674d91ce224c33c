"""Accounts opened online and learners' own passwords.

Revision ID: 0016
Revises: 0015

A learner opening an account online gives a mobile number, optionally an email address
for password resets, and accepts a version of the privacy notice (kept with the time).
``password_reset_code`` holds one-time codes to set a new password: given in person by
a certification centre or sent by email; only their SHA-256 is stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.add_column(sa.Column("mobile", sa.String(20), nullable=True))
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("privacy_version", sa.String(16), nullable=True))
        batch.add_column(
            sa.Column("privacy_accepted_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "password_reset_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_password_reset_code_learner_id", "password_reset_code", ["learner_id"])


def downgrade() -> None:
    op.drop_index("ix_password_reset_code_learner_id", table_name="password_reset_code")
    op.drop_table("password_reset_code")
    with op.batch_alter_table("learner") as batch:
        for column in ("privacy_accepted_at", "privacy_version", "email", "mobile"):
            batch.drop_column(column)
