"""Institutions and learners."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.input import INT4_MAX, RequestSQLModel

__all__ = [
    "TRANSFER_KINDS",
    "Institution",
    "InstitutionCreate",
    "InstitutionCreated",
    "InstitutionKind",
    "InstitutionPublic",
    "Learner",
    "LearnerCreate",
    "LearnerPublic",
]

InstitutionKind = Literal[
    "university",
    "college",
    "vocational_school",
    "training_body",
    "enterprise",
    "certifying_body",
]
#: The kinds that may receive credit transfers (DESIGN.md §7).
TRANSFER_KINDS = frozenset({"university", "college"})


class InstitutionBase(SQLModel):
    code: str = Field(
        min_length=2, max_length=16, regex=r"^[A-Z0-9][A-Z0-9-]*$", unique=True, index=True
    )
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    kind: InstitutionKind = Field(sa_type=String(32))
    # The certification centre the institution is attached to (NULL for rows older than
    # the organisation tree, until the operator attaches them).
    centre_id: int | None = Field(
        default=None, foreign_key="org_unit.id", index=True, ge=1, le=INT4_MAX
    )


class InstitutionCreate(InstitutionBase, RequestSQLModel):
    pass


class Institution(InstitutionBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 hex of the API key; the key itself is shown once and never stored.
    api_key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the operator revoked the API key (its hash is then replaced by one of a key
    # nobody knows); NULL while a key is valid.
    key_revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InstitutionPublic(InstitutionBase):
    id: int
    created_at: datetime
    key_revoked_at: datetime | None = None


class InstitutionCreated(InstitutionPublic):
    api_key: str = Field(description="Bearer API key of the institution, shown only once.")


class LearnerBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)


class LearnerCreate(LearnerBase, RequestSQLModel):
    national_id: str = Field(
        min_length=1, max_length=32, description="18-character resident ID; never stored."
    )
    password: str | None = Field(
        default=None,
        min_length=8,
        max_length=256,
        description="Optional sign-in password; stored only as an argon2id hash.",
    )


class Learner(LearnerBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    national_id_hmac: str = Field(max_length=64, unique=True)
    national_id_masked: str = Field(max_length=18)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # argon2id hash of the learner's password; NULL until one is set.
    password_hash: str | None = Field(default=None, max_length=200)
    # The head of the account's ledger chain (issuer.bank.ledger keeps it in step with each
    # append): a chain whose last entries were deleted no longer reaches it.
    ledger_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    ledger_head: str = Field(
        default="0" * 64, max_length=64, sa_column_kwargs={"server_default": "0" * 64}
    )
    # Given when the learner opens the account online (issuer.bank.registration): how to
    # reach them for a password reset, and the privacy notice they accepted.
    mobile: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    privacy_version: str | None = Field(default=None, max_length=16)
    privacy_accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The institution that opened the account (bulk opening), if one did: it is in that
    # institution's scope of learners even before it records anything for them.
    opened_by_institution_id: int | None = Field(
        default=None, foreign_key="institution.id", index=True
    )


class LearnerPublic(LearnerBase):
    id: int
    national_id_masked: str
