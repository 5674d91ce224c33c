"""Consent to credit transfers: applications, presentation nonces, exemptions.

Revision ID: 0011
Revises: 0010

Hand-written and checked against the models by tests/issuer/test_migrations.py.
``transfer_consent`` ties each transfer to the consent it used; transfers recorded
before this revision had none and keep none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "transfer_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _when("decided_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_transfer_application"),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name="fk_transfer_application_learner_id_learner"
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name="fk_transfer_application_institution_id_institution",
        ),
    )
    op.create_index("ix_transfer_application_learner_id", "transfer_application", ["learner_id"])
    op.create_index(
        "ix_transfer_application_institution_id", "transfer_application", ["institution_id"]
    )

    op.create_table(
        "application_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_application_item"),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["transfer_application.id"],
            name="fk_application_item_application_id_transfer_application",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name="fk_application_item_credential_id_credential",
        ),
    )
    op.create_index(
        "ix_application_item_application_id",
        "application_item",
        ["application_id"],
    )

    op.create_table(
        "transfer_nonce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_transfer_nonce"),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name="fk_transfer_nonce_institution_id_institution",
        ),
        sa.UniqueConstraint("nonce", name="uq_transfer_nonce_nonce"),
    )
    op.create_index("ix_transfer_nonce_institution_id", "transfer_nonce", ["institution_id"])

    op.create_table(
        "transfer_consent",
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("nonce_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("transfer_id", name="pk_transfer_consent"),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfer.id"], name="fk_transfer_consent_transfer_id_transfer"
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["transfer_application.id"],
            name="fk_transfer_consent_application_id_transfer_application",
        ),
        sa.ForeignKeyConstraint(
            ["nonce_id"], ["transfer_nonce.id"], name="fk_transfer_consent_nonce_id_transfer_nonce"
        ),
        # One transfer per consent, held by the database even when requests race.
        sa.UniqueConstraint("application_id", name="uq_transfer_consent_application_id"),
        sa.UniqueConstraint("nonce_id", name="uq_transfer_consent_nonce_id"),
    )

    op.create_table(
        "transfer_exemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=False),
        sa.Column("course_code", sa.String(32), nullable=False),
        sa.Column("course_name", sa.String(200), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_transfer_exemption"),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfer.id"], name="fk_transfer_exemption_transfer_id_transfer"
        ),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"],
            ["ledger_entry.id"],
            name="fk_transfer_exemption_ledger_entry_id_ledger_entry",
        ),
        sa.UniqueConstraint("transfer_id", "course_code", name="uq_transfer_exemption_course"),
    )
    op.create_index("ix_transfer_exemption_transfer_id", "transfer_exemption", ["transfer_id"])


def downgrade() -> None:
    op.drop_table("transfer_exemption")
    op.drop_table("transfer_consent")
    op.drop_table("transfer_nonce")
    op.drop_table("application_item")
    op.drop_table("transfer_application")
