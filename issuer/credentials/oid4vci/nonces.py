"""``c_nonce`` values of the nonce endpoint: random, single use, short-lived, kept in the database.

Consumption is one conditional ``UPDATE`` (unused and unexpired → used), so two workers
presenting the same nonce at once cannot both succeed.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import update
from sqlmodel import Session, col

from issuer.credentials.oid4vci._hashing import secret_hash
from issuer.models import OID4VCINonce, utcnow

__all__ = ["NONCE_TTL", "consume_nonce", "new_nonce"]

#: How long a ``c_nonce`` may wait for the proof that uses it.
NONCE_TTL: Final = timedelta(minutes=5)


def new_nonce(session: Session, *, now: datetime | None = None) -> str:
    """A fresh ``c_nonce``, stored hashed (caller commits)."""
    moment = now or utcnow()
    nonce = secrets.token_urlsafe(32)
    session.add(
        OID4VCINonce(
            nonce_hash=secret_hash(nonce), created_at=moment, expires_at=moment + NONCE_TTL
        )
    )
    session.flush()
    return nonce


def consume_nonce(session: Session, nonce: str, *, now: datetime | None = None) -> bool:
    """Mark ``nonce`` used; False when it is unknown, used already or expired."""
    moment = now or utcnow()
    result = session.execute(
        update(OID4VCINonce)
        .where(
            col(OID4VCINonce.nonce_hash) == secret_hash(nonce),
            col(OID4VCINonce.used_at).is_(None),
            col(OID4VCINonce.expires_at) > moment,
        )
        .values(used_at=moment)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
