"""Qualification redemptions: which credits went toward which qualification."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = ["Redemption", "RedemptionItem"]


class Redemption(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("learner_id", "pathway_id", name="uq_redemption_pathway"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    pathway_id: str = Field(max_length=64)
    half_credits: int
    statement: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RedemptionItem(SQLModel, table=True):
    """One credit unit (an achievement's net credits) consumed by a redemption.

    ``unit`` is unique: a unit counts toward one qualification only.
    """

    __tablename__ = "redemption_item"

    redemption_id: int = Field(foreign_key="redemption.id", primary_key=True)
    unit: str = Field(max_length=32, primary_key=True, unique=True)
    half_credits: int


# -- API models ---------------------------------------------------------------------------


class Reason(SQLModel):
    """Why an account is not (yet) eligible, in Chinese and English."""

    code: str
    zh: str
    en: str


class RequirementProgress(SQLModel):
    domain: str
    required_credits: float
    counted_credits: float
    met: bool


class Progress(SQLModel):
    pathway_id: str
    level: str
    title_zh: str
    title_en: str
    required_credits: float
    counted_credits: float = Field(description="Credits the best selection counts.")
    academic_credits: float
    non_academic_credits: float
    non_academic_cap_credits: float
    requirements: list[RequirementProgress]
    eligible: bool
    redeemed: bool
    reasons: list[Reason]


class PathwayPublic(SQLModel):
    id: str
    level: str
    level_zh: str
    title_zh: str
    title_en: str
    total_credits: float
    requirements: dict[str, float] = Field(description="Minimum credits per domain.")
    max_non_academic_share: str = Field(description="A fraction, e.g. 1/2.")
    note: str


class RedemptionItemPublic(SQLModel):
    unit: str = Field(description="a:<achievement id>, or e:<ledger entry id>.")
    domain: str
    kind: str
    credits: float


class RedemptionPublic(SQLModel):
    id: int
    learner_id: int
    pathway_id: str
    credits: float
    half_credits: int
    items: list[RedemptionItemPublic]
    ledger_entry_ids: list[int]
    statement: str = Field(description="Signed statement (cbredemption+jwt compact JWS).")
    created_at: datetime
