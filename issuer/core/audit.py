"""The audit trail: who did what, when, to which subject, why, and a hash of the payload.

Every action calls :func:`record` in the same transaction as the action itself, so an
action and its audit event commit together. The payload is kept as a SHA-256 of its
canonical JSON: the trail proves what was done without copying personal data into a
second place. Beside it an event may carry readable fields — a one-line ``summary``, the
``reason`` given, the ``case`` that required the action and small ``details`` — which
callers fill with codes, ids, statuses and amounts, never names or national IDs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from issuer.core.errors import CreditBankError
from issuer.models import AuditEvent

__all__ = [
    "AuditFilter",
    "list_events",
    "payload_hash",
    "record",
    "record_refusal",
    "refusals_recorded",
]

_REASON_MAX = 1000


def payload_hash(payload: Any) -> str:
    """SHA-256 hex of the sorted-key, minified UTF-8 JSON of ``payload``."""
    canonical = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: Any,
    summary: str | None = None,
    reason: str | None = None,
    case: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event (flushed; the caller commits).

    ``summary``, ``reason``, ``case`` (e.g. ``case:12``) and ``details`` are the readable
    part; they must hold no personal data in clear.
    """
    event = AuditEvent(
        actor=actor[:64],
        action=action[:64],
        subject=subject[:64],
        payload_hash=payload_hash(payload),
        summary=None if summary is None else summary[:200],
        reason=None if reason is None else reason[:_REASON_MAX],
        case_ref=None if case is None else case[:64],
        details=details,
    )
    session.add(event)
    session.flush()
    return event


def record_refusal(session: Session, **event: Any) -> None:
    """Record a refused attempt on its own: what ``session`` holds of the refused action is
    rolled back, then the event (:func:`record`'s arguments) is committed alone."""
    session.rollback()
    record(session, **event)
    session.commit()


@contextmanager
def refusals_recorded(
    session: Session,
    refused: type[CreditBankError] | tuple[type[CreditBankError], ...],
    *,
    actor: str,
    action: str,
    subject: str,
) -> Iterator[None]:
    """Record a ``refused`` error raised in the block (:func:`record_refusal`), then re-raise.

    The event is ``<action>.<code>`` on ``subject`` with the code as its reason; what the
    block wrote is rolled back.
    """
    try:
        yield
    except refused as exc:
        record_refusal(
            session,
            actor=actor,
            action=f"{action}.{exc.code}",
            subject=subject,
            payload={"detail": exc.detail},
            summary=f"refused: {exc.detail}",
            reason=exc.code,
        )
        raise


@dataclass(frozen=True)
class AuditFilter:
    """What to select from the trail; ``None`` means any. ``until`` is exclusive.

    ``action`` ending in ``.`` selects a family (``credential.`` → every credential action).
    """

    actor: str | None = None
    action: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: SelectOfScalar[Any]) -> SelectOfScalar[Any]:
        """``query`` restricted to the events this filter selects."""
        if self.actor is not None:
            query = query.where(col(AuditEvent.actor) == self.actor)
        if self.action is not None:
            if self.action.endswith("."):
                query = query.where(col(AuditEvent.action).startswith(self.action))
            else:
                query = query.where(col(AuditEvent.action) == self.action)
        if self.subject is not None:
            query = query.where(col(AuditEvent.subject) == self.subject)
        if self.since is not None:
            query = query.where(col(AuditEvent.at) >= self.since)
        if self.until is not None:
            query = query.where(col(AuditEvent.at) < self.until)
        return query


def list_events(
    session: Session,
    *,
    subject: str | None = None,
    limit: int,
    offset: int,
    where: AuditFilter | None = None,
) -> tuple[list[AuditEvent], int]:
    """Events, oldest first, selected by ``where`` (or only by ``subject``); and their count."""
    chosen = where if where is not None else AuditFilter(subject=subject)
    total = session.exec(chosen.apply(select(func.count()).select_from(AuditEvent))).one()
    rows = session.exec(
        chosen.apply(select(AuditEvent)).order_by(col(AuditEvent.id)).offset(offset).limit(limit)
    )
    return list(rows), total
