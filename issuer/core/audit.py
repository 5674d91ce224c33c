"""The audit trail: who did what, when, to which subject, with a hash of the payload.

Every committee, dispute and redemption action calls :func:`record` in the same
transaction as the action itself, so an action and its audit event commit together.
The payload is kept only as a SHA-256 of its canonical JSON: the trail proves what was
done without copying personal data into a second place.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session, col, func, select

from issuer.models import AuditEvent

__all__ = ["list_events", "payload_hash", "record"]


def payload_hash(payload: Any) -> str:
    """SHA-256 hex of the sorted-key, minified UTF-8 JSON of ``payload``."""
    canonical = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(session: Session, *, actor: str, action: str, subject: str, payload: Any) -> AuditEvent:
    """Add one audit event (flushed; the caller commits)."""
    event = AuditEvent(
        actor=actor, action=action, subject=subject, payload_hash=payload_hash(payload)
    )
    session.add(event)
    session.flush()
    return event


def list_events(
    session: Session, *, subject: str | None, limit: int, offset: int
) -> tuple[list[AuditEvent], int]:
    """Events, oldest first, optionally of one subject; and their total count."""
    query = select(AuditEvent)
    count = select(func.count()).select_from(AuditEvent)
    if subject is not None:
        query = query.where(col(AuditEvent.subject) == subject)
        count = count.where(col(AuditEvent.subject) == subject)
    total = session.exec(count).one()
    rows = session.exec(query.order_by(col(AuditEvent.id)).offset(offset).limit(limit))
    return list(rows), total
