"""Open Badges / SD-JWT VC credentials and their status lists.

Revision ID: 0004
Revises: 0003

Hand-written and checked against the models by tests/issuer/test_migrations.py.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# No schema change: the OB 3.0 / CLR / SD-JWT VC forms are rows of ``credential``
# (format ``ob3+jwt`` / ``clr+jwt`` / ``dc+sd-jwt``, String(16) already), every format
# shares the ``status_list`` slots (each list is published in both the IETF and the W3C
# form from the credentials' status), and status changes go to ``audit_event`` (0003).


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
