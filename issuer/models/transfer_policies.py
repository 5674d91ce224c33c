"""A university's own transfer policy, versioned: each save is a new row, never an edit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = ["TransferPolicyVersion"]


class TransferPolicyVersion(SQLModel, table=True):
    """One saved version of an institution's policy, as the TOML ``creditbank-verify`` reads."""

    __tablename__ = "transfer_policy_version"
    __table_args__ = (
        # Two registrars saving at once: one of them gets the next number, the other a 409.
        UniqueConstraint("institution_id", "version", name="uq_transfer_policy_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    version: int = Field(ge=1)
    toml: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=64)
