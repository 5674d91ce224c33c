"""Status lists and issued credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.input import RequestModel, RowId

__all__ = [
    "Credential",
    "CredentialEntry",
    "CredentialFormat",
    "CredentialIssue",
    "CredentialIssued",
    "CredentialStatus",
    "StatusList",
]

CredentialFormat = Literal["cbqr", "ob3+jwt", "clr+jwt", "dc+sd-jwt", "ob3+ldp", "clr+ldp"]
CredentialStatus = Literal["active", "revoked", "suspended"]


class StatusList(SQLModel, table=True):
    __tablename__ = "status_list"

    id: str = Field(primary_key=True, max_length=32)
    size: int = Field(gt=0)
    # Next allocation sequence number; the list is full when next_seq == size.
    next_seq: int = Field(default=0, ge=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Credential(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index", name="uq_credential_status_slot"),
        # The status scan of the trust bundle and of each list reads the few credentials
        # that are not active, not the whole table.
        Index("ix_credential_status_slot", "status", "status_list_id", "status_index"),
    )

    id: int | None = Field(default=None, primary_key=True)
    jti: str = Field(max_length=64, unique=True)
    format: CredentialFormat = Field(sa_type=String(16))
    learner_id: int = Field(foreign_key="learner.id", index=True)
    token: str
    status_list_id: str = Field(foreign_key="status_list.id", max_length=32)
    status_index: int = Field(ge=0)
    status: CredentialStatus = Field(default="active", sa_type=String(16))
    issued_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CredentialEntry(SQLModel, table=True):
    """Which ledger entries a credential carries, in order."""

    __tablename__ = "credential_entry"

    credential_id: int = Field(foreign_key="credential.id", primary_key=True)
    position: int = Field(primary_key=True, ge=0)
    ledger_entry_id: int = Field(foreign_key="ledger_entry.id", index=True)


class CredentialIssue(RequestModel):
    entry_ids: list[RowId] = Field(min_length=1, max_length=20)


class CredentialIssued(SQLModel):
    jti: str
    format: CredentialFormat
    qr_text: str
    jws: str
    status_list: str
    status_index: int
    issued_at: datetime
    expires_at: datetime | None
