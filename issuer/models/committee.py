"""The expert committee: members, panels, cases, votes and disputes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Index, String, text
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.input import RequestModel, RowId

__all__ = [
    "CaseKind",
    "CommitteeCase",
    "CommitteeMember",
    "Dispute",
    "MemberCategory",
    "Panel",
    "PanelMember",
    "PanelPurpose",
    "Vote",
    "VoteChoice",
]

MemberCategory = Literal["education", "industry", "enterprise"]
PanelPurpose = Literal["standards", "review", "disputes"]
CaseKind = Literal["standard", "review", "dispute"]
# approve / reject decide standards and quality reviews; upheld / modified / rejected
# decide disputes (upheld: the original decision stands; modified: the panel's credits
# replace it; rejected: the dispute is unfounded).
VoteChoice = Literal["approve", "reject", "upheld", "modified", "rejected"]


class CommitteeMember(SQLModel, table=True):
    __tablename__ = "committee_member"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    category: MemberCategory = Field(sa_type=String(16))
    affiliation_institution_id: int | None = Field(default=None, foreign_key="institution.id")
    affiliation: str | None = Field(default=None, max_length=200)
    # The staff account (role ``committee``) that signs in to the console as this member.
    staff_id: int | None = Field(default=None, foreign_key="staff_account.id", unique=True)
    # SHA-256 hex of the member's API token; the token is shown once and never stored.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Panel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    purpose: PanelPurpose = Field(sa_type=String(16))
    min_voters: int = 3
    # Approval share as a fraction (no floats): choice wins with votes/voters >= num/den.
    approve_num: int = 2
    approve_den: int = 3
    require_industry: bool = True
    decision_days: int = 30
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PanelMember(SQLModel, table=True):
    __tablename__ = "panel_member"

    panel_id: int = Field(foreign_key="panel.id", primary_key=True)
    member_id: int = Field(foreign_key="committee_member.id", primary_key=True)


class CommitteeCase(SQLModel, table=True):
    __tablename__ = "committee_case"
    # At most one open case per subject (one review of a recognition, one dispute of an
    # entry), whatever concurrent requests do.
    __table_args__ = (
        Index(
            "uq_committee_case_open_subject",
            "subject",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    panel_id: int = Field(foreign_key="panel.id", index=True)
    kind: CaseKind = Field(sa_type=String(16))
    subject: str = Field(max_length=64, index=True)
    # The institution the case concerns; its affiliated members may not vote.
    institution_id: int | None = Field(default=None, foreign_key="institution.id")
    status: str = Field(default="open", max_length=16)
    outcome_half_credits: int | None = None
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Vote(SQLModel, table=True):
    __tablename__ = "committee_vote"

    case_id: int = Field(foreign_key="committee_case.id", primary_key=True)
    member_id: int = Field(foreign_key="committee_member.id", primary_key=True)
    choice: VoteChoice = Field(sa_type=String(16))
    half_credits: int | None = None
    comment: str | None = Field(default=None, max_length=1000)
    cast_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Dispute(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    ledger_entry_id: int = Field(foreign_key="ledger_entry.id")
    grounds: str = Field(max_length=2000)
    case_id: int = Field(foreign_key="committee_case.id", unique=True)
    filed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# -- API models ---------------------------------------------------------------------------


class MemberCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    category: MemberCategory
    affiliation_institution_id: RowId | None = Field(
        default=None, description="The member's institution, when it is one we know."
    )
    affiliation: str | None = Field(default=None, max_length=200, description="Free text.")
    staff_id: RowId | None = Field(
        default=None,
        description="A staff account of role committee that signs in to the console as "
        "this member (one member per account).",
    )


class MemberPublic(SQLModel):
    id: int
    name: str
    category: MemberCategory
    affiliation_institution_id: int | None
    affiliation: str | None
    staff_id: int | None = None
    created_at: datetime


class MemberCreated(MemberPublic):
    token: str = Field(description="Bearer token of the member (cbc_…), shown only once.")


class PanelCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    purpose: PanelPurpose
    member_ids: list[RowId] = Field(min_length=1, max_length=50)
    min_voters: int = Field(default=3, ge=1, le=50)
    approve_num: int = Field(default=2, ge=1, le=50)
    approve_den: int = Field(default=3, ge=1, le=50)
    require_industry: bool = True
    decision_days: int = Field(default=30, ge=1, le=365)


class PanelPublic(SQLModel):
    id: int
    name: str
    purpose: PanelPurpose
    member_ids: list[int]
    min_voters: int
    approve_num: int
    approve_den: int
    require_industry: bool
    decision_days: int
    created_at: datetime


class VoteCreate(RequestModel):
    choice: VoteChoice
    half_credits: int | None = Field(
        default=None, ge=0, le=2000, description="For a dispute vote 'modified': the new credits."
    )
    comment: str | None = Field(default=None, max_length=1000)


class VotePublic(SQLModel):
    member_id: int
    choice: VoteChoice
    half_credits: int | None
    comment: str | None
    cast_at: datetime


class CasePublic(SQLModel):
    id: int
    panel_id: int
    kind: CaseKind
    subject: str
    institution_id: int | None
    status: str = Field(description="open, or the decided outcome.")
    outcome_half_credits: int | None
    opened_at: datetime
    due_at: datetime
    decided_at: datetime | None
    overdue: bool = Field(description="Still open after its deadline.")
    votes: list[VotePublic]


class CaseOpen(RequestModel):
    panel_id: RowId | None = Field(
        default=None, description="Defaults to the newest panel with the matching purpose."
    )


class DisputeCreate(RequestModel):
    ledger_entry_id: RowId = Field(description="The decision (ledger entry) disputed.")
    grounds: str = Field(min_length=10, max_length=2000)


class DisputePublic(SQLModel):
    id: int
    learner_id: int
    ledger_entry_id: int
    grounds: str
    filed_at: datetime
    case: CasePublic
