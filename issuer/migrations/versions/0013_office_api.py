"""Readable audit events and the standards lifecycle of the back office.

Revision ID: 0013
Revises: 0012

``audit_event`` gains readable fields beside its payload hash — ``summary``, ``reason``,
``case_ref`` and a small ``details`` JSON (never personal data in clear) — and indexes on
``actor``, ``action`` and ``at`` for the trail's filters. ``conversion_standard`` gains
``review_notes``: the reasons a rejected version was returned to draft with. ``learner``
gains ``opened_by_institution_id``: the institution that opened an account is in its scope.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("summary", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column("case_ref", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
    op.create_index("ix_audit_event_actor", "audit_event", ["actor"])
    op.create_index("ix_audit_event_action", "audit_event", ["action"])
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    with op.batch_alter_table("conversion_standard") as batch:
        batch.add_column(sa.Column("review_notes", sa.String(length=2000), nullable=True))
    with op.batch_alter_table("learner") as batch:
        batch.add_column(sa.Column("opened_by_institution_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_learner_opened_by_institution_id_institution",
            "institution",
            ["opened_by_institution_id"],
            ["id"],
        )
    op.create_index("ix_learner_opened_by_institution_id", "learner", ["opened_by_institution_id"])


def downgrade() -> None:
    op.drop_index("ix_learner_opened_by_institution_id", table_name="learner")
    with op.batch_alter_table("learner") as batch:
        batch.drop_constraint("fk_learner_opened_by_institution_id_institution", type_="foreignkey")
        batch.drop_column("opened_by_institution_id")
    with op.batch_alter_table("conversion_standard") as batch:
        batch.drop_column("review_notes")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_index("ix_audit_event_action", table_name="audit_event")
    op.drop_index("ix_audit_event_actor", table_name="audit_event")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("details")
        batch.drop_column("case_ref")
        batch.drop_column("reason")
        batch.drop_column("summary")
