"""Learners' applications for recognition with evidence files.

Revision ID: 0019
Revises: 0018

``evidence_application`` links a learner's own application to its achievement, its
recognition and the certification centre applied to; ``evidence_supplement`` holds the
material added when a reviewer asked for more; ``evidence_file`` names each uploaded
file by its SHA-256 (the bytes live in the data directory, not in the database).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_application",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("learner_id", sa.Integer(), sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("centre_id", sa.Integer(), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("achievement_id", sa.Integer(), sa.ForeignKey("achievement.id"), nullable=False),
        sa.Column("recognition_id", sa.Integer(), sa.ForeignKey("recognition.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("achievement_id", name="uq_evidence_application_achievement_id"),
        sa.UniqueConstraint("recognition_id", name="uq_evidence_application_recognition_id"),
    )
    op.create_index("ix_evidence_application_learner_id", "evidence_application", ["learner_id"])
    op.create_index("ix_evidence_application_centre_id", "evidence_application", ["centre_id"])
    op.create_table(
        "evidence_supplement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("evidence_application.id"),
            nullable=False,
        ),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_evidence_supplement_application_id", "evidence_supplement", ["application_id"]
    )
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("evidence_application.id"),
            nullable=False,
        ),
        sa.Column(
            "supplement_id", sa.Integer(), sa.ForeignKey("evidence_supplement.id"), nullable=True
        ),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_evidence_file_application_id", "evidence_file", ["application_id"])
    op.create_index("ix_evidence_file_sha256", "evidence_file", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_evidence_file_sha256", table_name="evidence_file")
    op.drop_index("ix_evidence_file_application_id", table_name="evidence_file")
    op.drop_table("evidence_file")
    op.drop_index("ix_evidence_supplement_application_id", table_name="evidence_supplement")
    op.drop_table("evidence_supplement")
    op.drop_index("ix_evidence_application_centre_id", table_name="evidence_application")
    op.drop_index("ix_evidence_application_learner_id", table_name="evidence_application")
    op.drop_table("evidence_application")
