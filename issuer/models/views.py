"""Response models that combine several tables."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field, SQLModel

from issuer.models.accounts import LearnerPublic
from issuer.models.achievements import AchievementPublic
from issuer.models.ledger import LedgerEntryPublic

__all__ = [
    "Account",
    "CourseRecorded",
    "DecisionPublic",
    "DomainBalance",
    "DomainKindBalance",
    "Health",
    "Problem",
]


class DecisionPublic(SQLModel):
    half_credits: int
    credits: float
    standard: str
    rule: str
    explanation_zh: str
    explanation_en: str

    @classmethod
    def of(cls, decision: Any) -> DecisionPublic:
        """The public view of a conversion decision (general hours rule or engine)."""
        return cls(
            half_credits=decision.half_credits,
            credits=decision.half_credits / 2,
            standard=decision.standard,
            rule=decision.rule,
            explanation_zh=decision.explanation_zh,
            explanation_en=decision.explanation_en,
        )


class CourseRecorded(SQLModel):
    achievement: AchievementPublic
    decision: DecisionPublic
    entry: LedgerEntryPublic | None = Field(
        description="The deposit; null when the course earned no credits."
    )


class DomainBalance(SQLModel):
    domain: str
    credits: float
    half_credits: int


class DomainKindBalance(SQLModel):
    domain: str
    kind: str = Field(description="Ledger entry kind: deposit, reversal, adjustment, …")
    credits: float
    half_credits: int


class Account(SQLModel):
    learner: LearnerPublic
    balance: float = Field(description="Credits; derived from the entries.")
    balance_half_credits: int
    by_domain: list[DomainBalance]
    by_domain_and_kind: list[DomainKindBalance] = Field(
        description="Net credits per domain and entry kind, derived from the entries."
    )
    entries: list[LedgerEntryPublic] = Field(
        description="One page of entries in chain order (see ?limit=&after=)."
    )
    next_after: int | None = Field(
        default=None,
        description="Pass as ?after= for the next page of entries; null on the last page.",
    )


class Health(SQLModel):
    status: str
    database_revision: str


class Problem(SQLModel):
    """RFC 9457 problem details, with the creditbank error code."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    errors: list[dict[str, object]] | None = None
