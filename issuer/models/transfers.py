"""Credit transfers: a receiving university records the credits it accepted.

``transfer_item.ledger_entry_id`` is unique: a deposit leaves the bank once, whatever
credential carried it and however many requests race for it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.input import RequestModel

__all__ = [
    "Transfer",
    "TransferCreate",
    "TransferItem",
    "TransferItemIn",
    "TransferItemPublic",
    "TransferPublic",
]


class Transfer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    policy: str = Field(default="", max_length=200)
    reference: str | None = Field(default=None, max_length=128)
    half_credits: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TransferItem(SQLModel, table=True):
    """One deposit transferred, the credential entry that carried it, its ledger entry."""

    __tablename__ = "transfer_item"

    transfer_id: int = Field(foreign_key="transfer.id", primary_key=True)
    ledger_entry_id: int = Field(foreign_key="ledger_entry.id", primary_key=True, unique=True)
    credential_id: int = Field(foreign_key="credential.id", index=True)
    position: int = Field(ge=0)
    out_entry_id: int = Field(foreign_key="ledger_entry.id", unique=True)


# -- API models ---------------------------------------------------------------------------


class TransferItemIn(RequestModel):
    jti: str = Field(min_length=1, max_length=64)
    position: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Entry position in the credential; null: every entry.",
    )


class TransferCreate(RequestModel):
    """The accepted entries, e.g. the ``request`` object of a ``creditbank-verify transfer``
    JSON report."""

    items: list[TransferItemIn] = Field(min_length=1, max_length=500)
    application_id: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="The learner's transfer application to this institution (consent).",
    )
    presentation: str | None = Field(
        default=None,
        min_length=1,
        max_length=64_000,
        description="An SD-JWT VC presentation (SD-JWT~…~KB-JWT) whose KB-JWT aud is this "
        "institution and whose nonce came from POST /transfers/nonces (consent).",
    )
    policy: str = Field(default="", max_length=200, description="The policy applied.")
    reference: str | None = Field(
        default=None, max_length=128, description="The university's own case number."
    )


class TransferItemPublic(SQLModel):
    jti: str
    position: int
    ledger_entry_id: int = Field(description="The deposit transferred.")
    out_entry_id: int = Field(description="The transfer_out ledger entry.")
    title: str
    domain: str
    standard: str
    credits: float
    half_credits: int


class TransferPublic(SQLModel):
    id: int
    institution: str = Field(description="Code of the receiving institution.")
    learner_id: int
    policy: str
    reference: str | None
    credits: float
    half_credits: int
    items: list[TransferItemPublic]
    duplicates: list[str] = Field(
        description="jti#position of entries that repeat a deposit already in this transfer."
    )
    consent: str = Field(description="application or presentation.")
    application_id: int | None = None
    created_at: datetime
