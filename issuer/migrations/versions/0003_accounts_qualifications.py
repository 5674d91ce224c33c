"""Learner sign-in, expert committee, disputes, qualification redemptions, audit, idempotency.

Revision ID: 0003
Revises: 0002

Hand-written and checked against the models by tests/issuer/test_migrations.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(200), nullable=True))

    op.create_table(
        "committee_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("affiliation_institution_id", sa.Integer(), nullable=True),
        sa.Column("affiliation", sa.String(200), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_committee_member"),
        _fk("committee_member", "affiliation_institution_id", "institution"),
        sa.UniqueConstraint("token_hash", name="uq_committee_member_token_hash"),
    )
    op.create_table(
        "panel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("min_voters", sa.Integer(), nullable=False),
        sa.Column("approve_num", sa.Integer(), nullable=False),
        sa.Column("approve_den", sa.Integer(), nullable=False),
        sa.Column("require_industry", sa.Boolean(), nullable=False),
        sa.Column("decision_days", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_panel"),
    )
    op.create_table(
        "panel_member",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("panel_id", "member_id", name="pk_panel_member"),
        _fk("panel_member", "panel_id", "panel"),
        _fk("panel_member", "member_id", "committee_member"),
    )
    op.create_table(
        "committee_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome_half_credits", sa.Integer(), nullable=True),
        _ts("opened_at"),
        _ts("due_at"),
        _ts("decided_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_committee_case"),
        _fk("committee_case", "panel_id", "panel"),
        _fk("committee_case", "institution_id", "institution"),
    )
    op.create_index("ix_committee_case_panel_id", "committee_case", ["panel_id"])
    op.create_index("ix_committee_case_subject", "committee_case", ["subject"])
    op.create_table(
        "committee_vote",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(16), nullable=False),
        sa.Column("half_credits", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(1000), nullable=True),
        _ts("cast_at"),
        sa.PrimaryKeyConstraint("case_id", "member_id", name="pk_committee_vote"),
        _fk("committee_vote", "case_id", "committee_case"),
        _fk("committee_vote", "member_id", "committee_member"),
    )
    op.create_table(
        "dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=False),
        sa.Column("grounds", sa.String(2000), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        _ts("filed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_dispute"),
        _fk("dispute", "learner_id", "learner"),
        _fk("dispute", "ledger_entry_id", "ledger_entry"),
        _fk("dispute", "case_id", "committee_case"),
        sa.UniqueConstraint("case_id", name="uq_dispute_case_id"),
    )
    op.create_index("ix_dispute_learner_id", "dispute", ["learner_id"])
    op.create_table(
        "redemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.String(64), nullable=False),
        sa.Column("half_credits", sa.Integer(), nullable=False),
        sa.Column("statement", sa.String(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_redemption"),
        _fk("redemption", "learner_id", "learner"),
        sa.UniqueConstraint("learner_id", "pathway_id", name="uq_redemption_pathway"),
    )
    op.create_index("ix_redemption_learner_id", "redemption", ["learner_id"])
    op.create_table(
        "redemption_item",
        sa.Column("redemption_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("half_credits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("redemption_id", "unit", name="pk_redemption_item"),
        _fk("redemption_item", "redemption_id", "redemption"),
        sa.UniqueConstraint("unit", name="uq_redemption_item_unit"),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
    )
    op.create_index("ix_audit_event_subject", "audit_event", ["subject"])
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_record"),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_record_key"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_record")
    op.drop_table("audit_event")
    op.drop_table("redemption_item")
    op.drop_table("redemption")
    op.drop_table("dispute")
    op.drop_table("committee_vote")
    op.drop_table("committee_case")
    op.drop_table("panel_member")
    op.drop_table("panel")
    op.drop_table("committee_member")
    with op.batch_alter_table("learner") as batch:
        batch.drop_column("password_hash")
