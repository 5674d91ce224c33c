"""Recognitions: the engine's decision on one achievement, and what became of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.achievements import AchievementPublic
from issuer.models.ledger import LedgerEntryPublic
from issuer.models.views import DecisionPublic

__all__ = [
    "AchievementRecorded",
    "CapUsage",
    "Recognition",
    "RecognitionPublic",
    "RecognitionStatus",
]

RecognitionStatus = Literal["pending_review", "more_material", "recognised", "rejected"]


class Recognition(SQLModel, table=True):
    """The decision on one achievement; ``ledger_entry_id`` is set once credits are deposited.

    ``kind``, ``source`` and ``year`` are copied from the achievement so the caps of later
    decisions can be computed from this table alone.
    """

    id: int | None = Field(default=None, primary_key=True)
    achievement_id: int = Field(foreign_key="achievement.id", unique=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    status: str = Field(sa_type=String(16))
    kind: str = Field(max_length=16)
    source: str = Field(max_length=200)
    year: int
    domain: str = Field(max_length=8)
    half_credits: int
    standard: str = Field(max_length=64)
    rule: str = Field(max_length=64)
    explanation_zh: str = Field(max_length=1000)
    explanation_en: str = Field(max_length=1000)
    caps_applied: list[str] = Field(default_factory=list, sa_type=JSON)
    ledger_entry_id: int | None = Field(default=None, foreign_key="ledger_entry.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=1000)


class CapUsage(SQLModel, table=True):
    """Half-credits an account already counts against one cap of one standard.

    One row per learner, standard id (without version) and cap dimension (``year``,
    ``kind`` or ``source``) and its key: the running total of the recognitions that count
    (recognised or pending review), kept in the transaction that changes them, so a
    decision reads three rows per standard instead of the account's whole history.
    """

    __tablename__ = "cap_usage"

    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    standard_id: str = Field(max_length=64, primary_key=True)
    dimension: str = Field(max_length=8, primary_key=True)
    key: str = Field(max_length=200, primary_key=True)
    half_credits: int = 0


class RecognitionPublic(SQLModel):
    id: int
    achievement_id: int
    learner_id: int
    status: RecognitionStatus
    kind: str
    domain: str
    half_credits: int
    credits: float = Field(description="half_credits / 2, for display only.")
    standard: str
    rule: str
    explanation_zh: str
    explanation_en: str
    caps_applied: list[str]
    ledger_entry_id: int | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None

    @classmethod
    def of(cls, row: Recognition, **extra: Any) -> RecognitionPublic:
        """The API form of ``row``."""
        return cls.model_validate(row, update={"credits": row.half_credits / 2, **extra})


class AchievementRecorded(SQLModel):
    """Response of ``POST /learners/{id}/achievements``."""

    achievement: AchievementPublic
    decision: DecisionPublic
    recognition: RecognitionPublic
    entry: LedgerEntryPublic | None = Field(
        description="The deposit; null when nothing was deposited (no credits, or pending review)."
    )
