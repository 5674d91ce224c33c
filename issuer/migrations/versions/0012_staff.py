"""The organisation tree, staff accounts with TOTP, console sessions; institutions' centres.

Revision ID: 0012
Revises: 0011

``org_unit`` holds the provincial centre, its certification sub-centres and points (a
tree through ``parent_id``). ``institution`` gains the centre it is attached to (NULL for
existing rows) and the moment its API key was revoked. ``staff_account`` holds the
console's people (argon2id password hash, the sealed TOTP secret, role and scope), and
``console_session`` their sign-ins (only the SHA-256 of each cookie token).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_org_unit"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_unit.id"], name="fk_org_unit_parent_id_org_unit"
        ),
    )
    op.create_index("ix_org_unit_code", "org_unit", ["code"], unique=True)
    op.create_index("ix_org_unit_parent_id", "org_unit", ["parent_id"])
    with op.batch_alter_table("institution") as batch:
        batch.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("key_revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            "fk_institution_centre_id_org_unit", "org_unit", ["centre_id"], ["id"]
        )
        batch.create_index("ix_institution_centre_id", ["centre_id"])
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_sealed", sa.String(200), nullable=True),
        sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_account"),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["org_unit.id"], name="fk_staff_account_centre_id_org_unit"
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name="fk_staff_account_institution_id_institution",
        ),
    )
    op.create_index("ix_staff_account_login", "staff_account", ["login"], unique=True)
    op.create_index("ix_staff_account_centre_id", "staff_account", ["centre_id"])
    op.create_index("ix_staff_account_institution_id", "staff_account", ["institution_id"])
    op.create_table(
        "console_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(8), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_session"),
        sa.UniqueConstraint("token_hash", name="uq_console_session_token_hash"),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_account.id"], name="fk_console_session_staff_id_staff_account"
        ),
    )
    op.create_index("ix_console_session_staff_id", "console_session", ["staff_id"])


def downgrade() -> None:
    op.drop_table("console_session")
    op.drop_table("staff_account")
    with op.batch_alter_table("institution") as batch:
        batch.drop_index("ix_institution_centre_id")
        batch.drop_constraint("fk_institution_centre_id_org_unit", type_="foreignkey")
        batch.drop_column("key_revoked_at")
        batch.drop_column("centre_id")
    op.drop_table("org_unit")
