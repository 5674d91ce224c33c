"""A learner's own account: opened online, its password changed and reset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.input import RequestModel, RowId

__all__ = [
    "LearnerRegister",
    "PasswordChange",
    "PasswordReset",
    "PasswordResetCode",
    "PasswordResetRequest",
    "ResetCodeIssued",
]

#: Mainland mobile numbers: 11 digits starting 13-19.
MOBILE_PATTERN = r"^1[3-9][0-9]{9}$"
#: An address with one @ and a dot in its domain: enough to send a code to.
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"


class PasswordResetCode(SQLModel, table=True):
    """A one-time code to set a new password; only its SHA-256 is stored."""

    __tablename__ = "password_reset_code"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    code_hash: str = Field(max_length=64)
    # "in_person": a certification centre gave it; "email": sent to the learner's address.
    channel: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# -- API models ---------------------------------------------------------------------------


class LearnerRegister(RequestModel):
    """Open an account online (the learner themselves)."""

    name: str = Field(min_length=1, max_length=100)
    national_id: str = Field(
        min_length=1, max_length=32, description="18-character resident ID; never stored."
    )
    mobile: Annotated[str, StringConstraints(pattern=MOBILE_PATTERN)] = Field(
        description="Mainland mobile number."
    )
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)] | None = Field(
        default=None, description="For password resets."
    )
    password: str = Field(min_length=1, max_length=256)
    privacy_version: str = Field(
        min_length=1,
        max_length=16,
        description="The version of the privacy notice the learner accepted (GET /privacy).",
    )


class PasswordChange(RequestModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordResetRequest(RequestModel):
    """Ask for a reset code by email: the account number and the national ID must match."""

    learner_id: RowId
    national_id: str = Field(min_length=1, max_length=32)


class PasswordReset(RequestModel):
    learner_id: RowId
    code: str = Field(min_length=1, max_length=32)
    new_password: str = Field(min_length=1, max_length=256)


class ResetCodeIssued(SQLModel):
    """A code a certification centre hands the learner in person; shown only here."""

    learner_id: int
    code: str
    expires_at: datetime
    channel: Literal["in_person"] = "in_person"
