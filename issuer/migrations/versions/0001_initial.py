"""Initial schema: institutions, learners, achievements, ledger, status lists, credentials.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Hand-written and checked against the models by tests/issuer/test_migrations.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "institution",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_institution"),
        sa.UniqueConstraint("api_key_hash", name="uq_institution_api_key_hash"),
    )
    op.create_index("ix_institution_code", "institution", ["code"], unique=True)

    op.create_table(
        "learner",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("national_id_hmac", sa.String(64), nullable=False),
        sa.Column("national_id_masked", sa.String(18), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_learner"),
        sa.UniqueConstraint("national_id_hmac", name="uq_learner_national_id_hmac"),
    )

    op.create_table(
        "status_list",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_status_list"),
    )

    op.create_table(
        "achievement",
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("course_type", sa.String(16), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(8), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("grade", sa.String(32), nullable=True),
        sa.Column("external_ref", sa.String(128), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_achievement"),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name="fk_achievement_learner_id_learner"
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institution.id"], name="fk_achievement_institution_id_institution"
        ),
        sa.UniqueConstraint("institution_id", "external_ref", name="uq_achievement_external_ref"),
    )
    op.create_index("ix_achievement_learner_id", "achievement", ["learner_id"])
    op.create_index("ix_achievement_institution_id", "achievement", ["institution_id"])

    op.create_table(
        "ledger_entry",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("half_credits", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=True),
        sa.Column("domain", sa.String(8), nullable=False),
        sa.Column("standard", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("explanation", sa.String(1000), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entry"),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievement.id"],
            name="fk_ledger_entry_achievement_id_achievement",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name="fk_ledger_entry_learner_id_learner"
        ),
        sa.UniqueConstraint("learner_id", "seq", name="uq_ledger_entry_seq"),
    )
    op.create_index("ix_ledger_entry_learner_id", "ledger_entry", ["learner_id"])

    op.create_table(
        "credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(64), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("status_list_id", sa.String(32), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("issued_at"),
        _ts("expires_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credential"),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name="fk_credential_learner_id_learner"
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id"], ["status_list.id"], name="fk_credential_status_list_id_status_list"
        ),
        sa.UniqueConstraint("jti", name="uq_credential_jti"),
        sa.UniqueConstraint("status_list_id", "status_index", name="uq_credential_status_slot"),
    )
    op.create_index("ix_credential_learner_id", "credential", ["learner_id"])

    op.create_table(
        "credential_entry",
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("credential_id", "position", name="pk_credential_entry"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name="fk_credential_entry_credential_id_credential",
        ),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"],
            ["ledger_entry.id"],
            name="fk_credential_entry_ledger_entry_id_ledger_entry",
        ),
    )
    op.create_index("ix_credential_entry_ledger_entry_id", "credential_entry", ["ledger_entry_id"])


def downgrade() -> None:
    op.drop_table("credential_entry")
    op.drop_table("credential")
    op.drop_table("ledger_entry")
    op.drop_table("achievement")
    op.drop_table("status_list")
    op.drop_table("learner")
    op.drop_table("institution")
