"""Sign-in throttling state and the history of credential status changes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = [
    "CredentialStatusChange",
    "SigninThrottle",
    "StatusChangePublic",
    "StatusHistoryPublic",
]

_Status = Literal["active", "revoked", "suspended"]


class SigninThrottle(SQLModel, table=True):
    """Failed sign-ins of one key (``learner:<id>`` or ``address:<ip>``), shared by workers."""

    __tablename__ = "signin_throttle"

    key: str = Field(primary_key=True, max_length=80)
    attempts: int = Field(default=0, ge=0)
    last_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CredentialStatusChange(SQLModel, table=True):
    """One change of a credential's status: who, why, and the committee case that required it."""

    __tablename__ = "credential_status_change"

    id: int | None = Field(default=None, primary_key=True)
    credential_id: int = Field(foreign_key="credential.id", index=True)
    from_status: str = Field(sa_type=String(16))
    to_status: str = Field(sa_type=String(16))
    actor: str = Field(max_length=64)
    reason: str = Field(max_length=500)
    case_id: int | None = Field(default=None, foreign_key="committee_case.id")
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StatusChangePublic(SQLModel):
    from_status: _Status
    to_status: _Status
    actor: str = Field(description="admin, or committee:<member id>.")
    reason: str
    case_id: int | None = Field(description="The committee case that required the change.")
    changed_at: datetime


class StatusHistoryPublic(SQLModel):
    jti: str
    status: _Status
    status_list: str
    status_index: int
    history: list[StatusChangePublic] = Field(description="Oldest first.")
