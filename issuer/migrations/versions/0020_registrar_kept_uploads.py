"""The registrar's presented files, kept between pages until the transfer is recorded.

Revision ID: 0020
Revises: 0019

``registrar_upload`` holds each file a registrar uploaded for one application: its
name, SHA-256 (unique per application and staff member: the same file again is a
duplicate), the credential text or the code of why there is none, the nonce of an
SD-JWT presentation, and when the row expires.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registrar_upload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("transfer_application.id"),
            nullable=False,
        ),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_account.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("code", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("nonce_id", sa.Integer(), sa.ForeignKey("transfer_nonce.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "application_id", "staff_id", "sha256", name="uq_registrar_upload_file"
        ),
    )
    op.create_index("ix_registrar_upload_application_id", "registrar_upload", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_registrar_upload_application_id", table_name="registrar_upload")
    op.drop_table("registrar_upload")
