"""Canonical identifiers: stored certificate numbers and certifying bodies re-normalised.

Revision ID: 0008
Revises: 0007

Since this revision the service stores a certificate's number and certifying body in
their canonical form (NFKC, no invisible characters or ideographic spaces, the number
without whitespace and in upper case, the body's whitespace runs as one space between
Latin words only), so every spelling of one certificate meets in the unique key
``uq_achievement_certificate``. Rows stored before are rewritten to that form here.

Duplicates already stored: when two rows turn out to be one certificate, the row that
already holds the canonical pair (or else the oldest row) gets it; the other keeps its
spelling, since both were deposited and a ledger is corrected only by new entries. Each
such row is named in a warning of the migration log, for the operator to review (with a
reversal, if the committee so decides). New deposits of that certificate are refused.

The rules are copied here from ``issuer.core.identifiers`` as of this revision
(migrations import nothing from issuer); downgrade keeps the canonical values, which are
valid under the older revisions too.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("alembic.runtime.migration")

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u3000"), None)
_WHITESPACE = re.compile(r"\s+")


def _base(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw.translate(_INVISIBLE)).translate(_INVISIBLE)


def _number(raw: str) -> str:
    return _base(_WHITESPACE.sub("", _base(raw)).upper())


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _name(raw: str) -> str:
    words = _WHITESPACE.split(_base(raw).strip())
    out = words[0]
    for word in words[1:]:
        if not word:
            continue
        if out and not _wide(out[-1]) and not _wide(word[0]):
            out += " "
        out += word
    return out


def upgrade() -> None:
    achievement = sa.table(
        "achievement",
        sa.column("id", sa.Integer()),
        sa.column("certificate_number", sa.String()),
        sa.column("certifying_body", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(achievement.c.id, achievement.c.certificate_number, achievement.c.certifying_body)
        .where(achievement.c.certificate_number.is_not(None))
        .order_by(achievement.c.id)
    ).all()
    taken = {(number, body) for _, number, body in rows}
    for row_id, number, body in rows:
        canonical = (_number(number), None if body is None else _name(body))
        if canonical == (number, body):
            continue
        if canonical in taken:
            logger.warning(
                "achievement %s is a certificate already stored (%s of %s); left as it is",
                row_id,
                canonical[0],
                canonical[1],
            )
            continue
        connection.execute(
            achievement.update()
            .where(achievement.c.id == row_id)
            .values(certificate_number=canonical[0], certifying_body=canonical[1])
        )
        taken.discard((number, body))
        taken.add(canonical)


def downgrade() -> None:
    """Nothing to undo: the canonical values are valid values of revision 0007."""
