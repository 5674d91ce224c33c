"""Achievement kinds, conversion standards, recognitions (issue: the credit bank itself).

Revision ID: 0002
Revises: 0001

Hand-written and checked against the models by tests/issuer/test_migrations.py.
The data step makes the first default standards effective, so a fresh installation
converts achievements out of the box; they are illustrative defaults that the expert
committee replaces with new versions. The rows are history, frozen beside this file in
``0002_standards.json`` (as the shipped TOML files said when this revision was written):
replaying 0002 gives the same standards whatever the TOML files say later. A new shipped
version arrives in a migration of its own, or through the committee workflow.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

_STANDARDS = Path(__file__).with_name("0002_standards.json")

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

    # Data step: the default standards as they stood when this revision was written.
    op.bulk_insert(standard, _frozen_rows())


def _frozen_rows() -> list[dict[str, Any]]:
    """The ``conversion_standard`` rows of ``0002_standards.json``, with dates parsed."""
    rows: list[dict[str, Any]] = json.loads(_STANDARDS.read_text("utf-8"))
    for row in rows:
        if row["effective_from"] is not None:
            row["effective_from"] = date.fromisoformat(row["effective_from"])
        row["created_at"] = datetime.fromisoformat(row["created_at"])
        row["approved_at"] = datetime.fromisoformat(row["approved_at"])
    return rows


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
