"""The audit trail and stored idempotent responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = ["AuditEvent", "IdempotencyRecord"]


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=64, index=True)
    action: str = Field(max_length=64, index=True)
    subject: str = Field(max_length=64, index=True)
    # SHA-256 of the canonical JSON of what was done (never the data itself).
    payload_hash: str = Field(max_length=64)
    # The readable part, for people reading the trail. Never personal data in clear: no
    # names, no national IDs (the subject names a row; the row holds the masked form).
    summary: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=1000)
    # The committee case, dispute or other procedure that required the action.
    case_ref: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_record_key"),)

    id: int | None = Field(default=None, primary_key=True)
    # Caller and operation (e.g. "learner:7 POST /learners/7/…"): keys are per caller.
    scope: str = Field(max_length=200)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    response: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
