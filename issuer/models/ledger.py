"""Ledger entries: the append-only, hash-chained record of each learner's credits."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = ["GENESIS_HASH", "EntryKind", "LedgerEntry", "LedgerEntryPublic"]

GENESIS_HASH = "0" * 64

# Only deposits are written today; the other kinds are reserved for corrections and
# movements (always new entries, never edits).
EntryKind = Literal["deposit", "reversal", "adjustment", "redemption", "transfer_out"]


class LedgerEntryBase(SQLModel):
    seq: int = Field(ge=1)
    kind: EntryKind = Field(sa_type=String(16))
    half_credits: int
    achievement_id: int | None = Field(default=None, foreign_key="achievement.id")
    domain: str = Field(max_length=8)
    standard: str = Field(max_length=64)
    rule: str = Field(max_length=64)
    explanation: str = Field(max_length=1000)


class LedgerEntry(LedgerEntryBase, table=True):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("learner_id", "seq", name="uq_ledger_entry_seq"),
        # Balances are summed from the index alone, without reading the entries' rows.
        Index("ix_ledger_entry_totals", "learner_id", "domain", "kind", "half_credits"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)


class LedgerEntryPublic(LedgerEntryBase):
    id: int
    learner_id: int
    credits: float = Field(description="half_credits / 2, for display only.")
    created_at: datetime
    prev_hash: str
    hash: str
