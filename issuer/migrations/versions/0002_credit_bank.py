"""Achievement kinds, conversion standards, recognitions (issue: the credit bank itself).

Revision ID: 0002
Revises: 0001

Hand-written and checked against the models by tests/issuer/test_migrations.py.
The data step makes the shipped default standards (issuer/conversion/standards_data/*.toml)
effective, so a fresh installation converts achievements out of the box; they are
illustrative defaults that the expert committee replaces with new versions.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("achievement") as batch:
        batch.alter_column("course_type", existing_type=sa.String(16), nullable=True)
        batch.alter_column("hours", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("evidence", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("certificate_number", sa.String(64), nullable=True))
        batch.add_column(sa.Column("certifying_body", sa.String(200), nullable=True))
        batch.create_unique_constraint(
            "uq_achievement_certificate", ["certifying_body", "certificate_number"]
        )

    standard = op.create_table(
        "conversion_standard",
        sa.Column("standard_id", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        _ts("created_at"),
        _ts("approved_at", nullable=True),
        sa.PrimaryKeyConstraint("standard_id", "version", name="pk_conversion_standard"),
    )

    op.create_table(
        "recognition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(8), nullable=False),
        sa.Column("half_credits", sa.Integer(), nullable=False),
        sa.Column("standard", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("explanation_zh", sa.String(1000), nullable=False),
        sa.Column("explanation_en", sa.String(1000), nullable=False),
        sa.Column("caps_applied", sa.JSON(), nullable=False),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("decided_at", nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recognition"),
        sa.ForeignKeyConstraint(
            ["achievement_id"], ["achievement.id"], name="fk_recognition_achievement_id_achievement"
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name="fk_recognition_learner_id_learner"
        ),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"],
            ["ledger_entry.id"],
            name="fk_recognition_ledger_entry_id_ledger_entry",
        ),
        sa.UniqueConstraint("achievement_id", name="uq_recognition_achievement_id"),
    )
    op.create_index("ix_recognition_learner_id", "recognition", ["learner_id"])

    # Data step: the shipped defaults, effective from their TOML dates. Rows are built by
    # a pure function so the migration does not depend on the (newer) ORM models.
    from issuer.conversion.standards_seed import seed_rows

    op.bulk_insert(standard, seed_rows())


def downgrade() -> None:
    op.drop_index("ix_recognition_learner_id", table_name="recognition")
    op.drop_table("recognition")
    op.drop_table("conversion_standard")
    with op.batch_alter_table("achievement") as batch:
        batch.drop_constraint("uq_achievement_certificate", type_="unique")
        batch.drop_column("certifying_body")
        batch.drop_column("certificate_number")
        batch.drop_column("evidence")
        batch.alter_column("hours", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("course_type", existing_type=sa.String(16), nullable=False)
