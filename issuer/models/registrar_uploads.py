"""The files a registrar presented for one application, kept between pages until recorded.

One row per file and (application, staff member): its name, the SHA-256 of its bytes
(unique per application and staff member, so the same file uploaded again is a
duplicate, not a second credential), its credential text or the code of why it has
none, and for an SD-JWT presentation the nonce it was made for. Rows expire
(``expires_at``); none of them is a recorded transfer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = ["RegistrarUpload"]


class RegistrarUpload(SQLModel, table=True):
    """One presented file of one application, as the registrar's check read it."""

    __tablename__ = "registrar_upload"
    __table_args__ = (
        UniqueConstraint("application_id", "staff_id", "sha256", name="uq_registrar_upload_file"),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="transfer_application.id", index=True)
    staff_id: int = Field(foreign_key="staff_account.id")
    name: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    #: The credential text read from the file; null when unreadable (``code`` says why).
    text: str | None = Field(default=None, sa_type=Text)
    code: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=500)
    #: An SD-JWT presentation's nonce (of this institution), checked when it was uploaded.
    nonce_id: int | None = Field(default=None, foreign_key="transfer_nonce.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
