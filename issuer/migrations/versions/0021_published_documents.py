"""Published trust bundle and status lists; the status index; status slots from a sequence.

Revision ID: 0021
Revises: 0020

``published_document`` holds the signed bytes of the trust bundle and of every status
list as served, with the digest of what each was built from; ``publication_counter``
counts credential status changes (raised in the change's own transaction).
``ix_credential_status_slot`` lets the status scan read only the credentials that are
not active. On PostgreSQL, status-list slots come from the sequence ``status_slot_seq``
instead of the open list's row: slot ``n`` is sequence number ``n mod 131072`` of list
``n div 131072 + 1``. It starts after the lists that exist, so no slot is handed out twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Entries per list (issuer/credentials/status_slots.py LIST_SIZE), frozen here.
_LIST_SIZE = 131_072


def upgrade() -> None:
    op.create_table(
        "published_document",
        sa.Column("name", sa.String(length=96), primary_key=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("etag", sa.String(length=72), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "publication_counter",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.execute("INSERT INTO publication_counter (name, value) VALUES ('status', 0)")
    op.create_index(
        "ix_credential_status_slot", "credential", ["status", "status_list_id", "status_index"]
    )
    if op.get_bind().dialect.name == "postgresql":
        lists = op.get_bind().execute(sa.text("SELECT count(*) FROM status_list")).scalar_one()
        op.execute(f"CREATE SEQUENCE status_slot_seq MINVALUE 0 START {int(lists) * _LIST_SIZE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE status_slot_seq")
    op.drop_index("ix_credential_status_slot", table_name="credential")
    op.drop_table("publication_counter")
    op.drop_table("published_document")
