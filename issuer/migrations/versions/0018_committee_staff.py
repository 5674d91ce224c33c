"""Committee members who sign in to the staff console.

Revision ID: 0018
Revises: 0017

A committee member may be linked to one staff account of role ``committee``
(``committee_member.staff_id``, unique): that account opens the committee workspace in
the console and votes as the member. Members without a link keep their bearer token.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("committee_member") as batch:
        batch.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_committee_member_staff_id", "staff_account", ["staff_id"], ["id"]
        )
        batch.create_unique_constraint("uq_committee_member_staff_id", ["staff_id"])


def downgrade() -> None:
    with op.batch_alter_table("committee_member") as batch:
        batch.drop_constraint("uq_committee_member_staff_id", type_="unique")
        batch.drop_constraint("fk_committee_member_staff_id", type_="foreignkey")
        batch.drop_column("staff_id")
