"""The learner's consent to a credit transfer, and where transferred credits went.

A transfer needs consent bound to one university or college, in one of two forms:

- a **transfer application** (学分转换 / 免修 application) the learner makes in the
  portal or through the API: which credentials (or entries), for which programme, at
  which institution;
- an **SD-JWT VC presentation** whose KB-JWT ``aud`` is the institution and whose
  ``nonce`` the institution asked the bank for (``transfer_nonce``, single use).

``transfer_consent`` ties a recorded transfer to the consent it used; its unique
``application_id`` and ``nonce_id`` hold "one transfer per consent" in the database,
whatever requests race. ``transfer_exemption`` is the receiving institution's
conversion of accepted credits into its own courses (免修 of course X by entry Y).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.input import RequestModel
from issuer.models.transfers import TransferItemIn

__all__ = [
    "ApplicationItemPublic",
    "ApplicationState",
    "ConsentKind",
    "ExemptionCreate",
    "ExemptionIn",
    "ExemptionPublic",
    "LearnerTransferItemPublic",
    "LearnerTransferPublic",
    "TransferApplication",
    "TransferApplicationCreate",
    "TransferApplicationItem",
    "TransferApplicationPublic",
    "TransferConsent",
    "TransferExemption",
    "TransferNonce",
    "TransferNoncePublic",
    "TransferRecordPublic",
    "TransferRecordsPublic",
]

ApplicationState = Literal["submitted", "recorded", "withdrawn"]
ConsentKind = Literal["application", "presentation"]


class TransferApplication(SQLModel, table=True):
    __tablename__ = "transfer_application"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    programme: str = Field(max_length=200)
    state: ApplicationState = Field(default="submitted", sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TransferApplicationItem(SQLModel, table=True):
    """One credential (``position`` null: all its entries) or one entry of it, applied for."""

    # Short: the foreign key's name must fit PostgreSQL's 63 characters.
    __tablename__ = "application_item"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="transfer_application.id", index=True)
    credential_id: int = Field(foreign_key="credential.id")
    position: int | None = Field(default=None, ge=0)


class TransferNonce(SQLModel, table=True):
    """A nonce an institution asked for, to put in the learner's KB-JWT; used once."""

    __tablename__ = "transfer_nonce"

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(max_length=64, unique=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TransferConsent(SQLModel, table=True):
    """Which consent a transfer used: an application or a presentation's nonce."""

    __tablename__ = "transfer_consent"

    transfer_id: int = Field(foreign_key="transfer.id", primary_key=True)
    kind: ConsentKind = Field(sa_type=String(16))
    # Unique: a consent is used for one transfer, even when two requests race.
    application_id: int | None = Field(
        default=None, foreign_key="transfer_application.id", unique=True
    )
    nonce_id: int | None = Field(default=None, foreign_key="transfer_nonce.id", unique=True)


class TransferExemption(SQLModel, table=True):
    """免修: the receiving institution's course ``course_code`` is covered by a deposit."""

    __tablename__ = "transfer_exemption"
    __table_args__ = (
        UniqueConstraint("transfer_id", "course_code", name="uq_transfer_exemption_course"),
    )

    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id", index=True)
    ledger_entry_id: int = Field(foreign_key="ledger_entry.id")
    course_code: str = Field(max_length=32)
    course_name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# -- API models ---------------------------------------------------------------------------


class TransferApplicationCreate(RequestModel):
    """A learner's application for credit recognition at one university or college."""

    institution: str = Field(
        min_length=2, max_length=16, description="Code of the university or college."
    )
    programme: str = Field(
        min_length=1, max_length=200, description="The programme applied for, in words."
    )
    items: list[TransferItemIn] = Field(min_length=1, max_length=100)


class ApplicationItemPublic(SQLModel):
    jti: str
    position: int | None = Field(description="null: every entry of the credential.")
    titles: list[str] = Field(description="The courses/achievements this item covers.")


class TransferApplicationPublic(SQLModel):
    id: int
    learner_id: int
    institution: str = Field(description="Code of the university or college.")
    institution_name_zh: str
    institution_name_en: str
    programme: str
    state: ApplicationState
    items: list[ApplicationItemPublic]
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    transfer_id: int | None = Field(description="The transfer that used this application.")


class TransferNoncePublic(SQLModel):
    nonce: str
    audience: str = Field(description="The KB-JWT aud the presentation must carry.")
    expires_at: datetime


class ExemptionIn(RequestModel):
    course_code: str = Field(min_length=1, max_length=32)
    course_name: str = Field(min_length=1, max_length=200)
    jti: str = Field(min_length=1, max_length=64, description="The transferred credential.")
    position: int = Field(default=0, ge=0, le=1000)


class ExemptionCreate(RequestModel):
    exemptions: list[ExemptionIn] = Field(min_length=1, max_length=200)


class ExemptionPublic(SQLModel):
    transfer_id: int
    course_code: str
    course_name: str
    jti: str
    position: int
    title: str = Field(description="The transferred course/achievement that covers it.")
    created_at: datetime


class LearnerTransferItemPublic(SQLModel):
    jti: str
    position: int
    title: str
    credits: float
    exemptions: list[ExemptionPublic] = Field(
        description="The receiving institution's courses this entry exempts (免修)."
    )


class LearnerTransferPublic(SQLModel):
    """A transfer out of the learner's account: where the credits went, under which consent."""

    id: int
    institution: str
    institution_name_zh: str
    institution_name_en: str
    created_at: datetime
    consent: ConsentKind | None = Field(description="None for transfers before consent existed.")
    application_id: int | None
    programme: str | None
    credits: float
    items: list[LearnerTransferItemPublic]


class TransferRecordPublic(SQLModel):
    """One entry of a credential as the bank's records stand (``GET /transfers/records``)."""

    jti: str
    position: int
    recorded: bool = Field(description="Whether the entry's credits were transferred.")
    here: bool = Field(description="Transferred to the calling institution.")
    elsewhere: bool = Field(description="Transferred to another institution (not named).")
    institution: str | None = Field(description="The caller's code, when ``here``.")
    institution_name_zh: str | None
    institution_name_en: str | None
    transfer_id: int | None = Field(description="The caller's transfer, when ``here``.")
    recorded_at: datetime | None = Field(description="When the caller recorded it.")


class TransferRecordsPublic(SQLModel):
    records: list[TransferRecordPublic]
    unknown: list[str] = Field(description="jtis the bank has no credential for.")
