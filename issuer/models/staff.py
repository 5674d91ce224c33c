"""Organisation units, staff accounts and their console sessions.

The credit bank's organisation is a tree: the provincial centre, its certification
sub-centres (one per city) and their certification points. Institutions hang under a
centre (``institution.centre_id``). Staff accounts carry one role and, for centre and
institution roles, the unit or institution their scope is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.input import INT4_MAX, RequestSQLModel

__all__ = [
    "STAFF_ROLES",
    "ConsoleSession",
    "OrgUnit",
    "OrgUnitCreate",
    "OrgUnitLevel",
    "OrgUnitPublic",
    "StaffAccount",
    "StaffCreate",
    "StaffCreated",
    "StaffPublic",
    "StaffRole",
]

OrgUnitLevel = Literal["province", "sub_centre", "point"]
StaffRole = Literal[
    "operator", "centre_manager", "reviewer", "registrar", "committee", "institution"
]
#: Every staff role, in the order the console lists them.
STAFF_ROLES: tuple[StaffRole, ...] = (
    "operator",
    "centre_manager",
    "reviewer",
    "registrar",
    "committee",
    "institution",
)


class OrgUnitBase(SQLModel):
    code: str = Field(
        min_length=2, max_length=16, regex=r"^[A-Z0-9][A-Z0-9-]*$", unique=True, index=True
    )
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    level: OrgUnitLevel = Field(sa_type=String(16))
    parent_id: int | None = Field(
        default=None, foreign_key="org_unit.id", index=True, ge=1, le=INT4_MAX
    )


class OrgUnitCreate(OrgUnitBase, RequestSQLModel):
    pass


class OrgUnit(OrgUnitBase, table=True):
    """One unit of the organisation tree."""

    __tablename__ = "org_unit"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrgUnitPublic(OrgUnitBase):
    id: int
    created_at: datetime


class StaffBase(SQLModel):
    login: str = Field(min_length=3, max_length=64, regex=r"^[a-z0-9][a-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=100)
    role: StaffRole = Field(sa_type=String(16))
    centre_id: int | None = Field(
        default=None, foreign_key="org_unit.id", index=True, ge=1, le=INT4_MAX
    )
    institution_id: int | None = Field(
        default=None, foreign_key="institution.id", index=True, ge=1, le=INT4_MAX
    )


class StaffCreate(StaffBase, RequestSQLModel):
    pass


class StaffAccount(StaffBase, table=True):
    """A person who works in the console; secrets are stored only hashed or sealed."""

    __tablename__ = "staff_account"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True, index=True)
    # argon2id (issuer.core.security.hash_password).
    password_hash: str = Field(max_length=200)
    # The TOTP secret sealed with AES-GCM (issuer.staff.totp); NULL until enrolment starts.
    totp_sealed: str | None = Field(default=None, max_length=200)
    totp_enrolled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: int = 0
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffPublic(StaffBase):
    id: int
    active: bool
    totp_enrolled: bool
    created_at: datetime


class StaffCreated(StaffPublic):
    password: str = Field(description="One-time password of the new account, shown only once.")


class ConsoleSession(SQLModel, table=True):
    """A console sign-in: only the SHA-256 of its cookie token is stored."""

    __tablename__ = "console_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    staff_id: int = Field(foreign_key="staff_account.id", index=True)
    # "code": password checked, TOTP code awaited; "enrol": first TOTP being set up;
    # "full": signed in.
    stage: str = Field(max_length=8)
    # The synchronizer CSRF token of every form of this session.
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
