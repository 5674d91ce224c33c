"""OpenID4VCI pre-authorized codes, nonces and holder sessions.

Revision ID: 0006
Revises: 0005

Hand-written and checked against the models by tests/issuer/test_migrations.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "oid4vci_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
        sa.Column("configuration_ids", sa.JSON(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("tx_code_hash", sa.String(64), nullable=False),
        sa.Column("tx_attempts", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("redeemed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_oid4vci_offer"),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learner.id"], name="fk_oid4vci_offer_learner_id_learner"
        ),
        sa.UniqueConstraint("code_hash", name="uq_oid4vci_offer_code_hash"),
    )
    op.create_index("ix_oid4vci_offer_learner_id", "oid4vci_offer", ["learner_id"])

    op.create_table(
        "oid4vci_access_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        sa.PrimaryKeyConstraint("id", name="pk_oid4vci_access_token"),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["oid4vci_offer.id"],
            name="fk_oid4vci_access_token_offer_id_oid4vci_offer",
        ),
        sa.UniqueConstraint("token_hash", name="uq_oid4vci_access_token_token_hash"),
    )
    op.create_index("ix_oid4vci_access_token_offer_id", "oid4vci_access_token", ["offer_id"])

    op.create_table(
        "oid4vci_nonce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_oid4vci_nonce"),
        sa.UniqueConstraint("nonce_hash", name="uq_oid4vci_nonce_nonce_hash"),
    )

    op.create_table(
        "oid4vci_issuance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("access_token_id", sa.Integer(), nullable=False),
        sa.Column("configuration_id", sa.String(64), nullable=False),
        sa.Column("credential_jti", sa.String(64), nullable=False),
        _ts("issued_at"),
        sa.PrimaryKeyConstraint("id", name="pk_oid4vci_issuance"),
        sa.ForeignKeyConstraint(
            ["access_token_id"],
            ["oid4vci_access_token.id"],
            name="fk_oid4vci_issuance_access_token_id_oid4vci_access_token",
        ),
        sa.UniqueConstraint("access_token_id", "configuration_id", name="uq_oid4vci_issuance_once"),
    )


def downgrade() -> None:
    op.drop_table("oid4vci_issuance")
    op.drop_table("oid4vci_nonce")
    op.drop_index("ix_oid4vci_access_token_offer_id", table_name="oid4vci_access_token")
    op.drop_table("oid4vci_access_token")
    op.drop_index("ix_oid4vci_offer_learner_id", table_name="oid4vci_offer")
    op.drop_table("oid4vci_offer")
