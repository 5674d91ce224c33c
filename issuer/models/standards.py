"""Conversion standards: versioned documents with a lifecycle, kept in the database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = ["ConversionStandard", "StandardPublic", "StandardStatus"]

StandardStatus = Literal["draft", "under_review", "approved", "effective", "superseded"]


class ConversionStandard(SQLModel, table=True):
    """One version of one standard; ``document`` is a validated :class:`StandardDocument`."""

    __tablename__ = "conversion_standard"

    standard_id: str = Field(primary_key=True, max_length=32)
    version: int = Field(primary_key=True)
    title_zh: str = Field(max_length=200)
    title_en: str = Field(max_length=200)
    domain: str = Field(max_length=8)
    status: str = Field(default="draft", sa_type=String(16))
    document: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    effective_from: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Why the committee returned the version to draft (the last rejection), readable.
    review_notes: str | None = Field(default=None, max_length=2000)


class StandardPublic(SQLModel):
    standard_id: str
    version: int
    ref: str = Field(description="standard_id@version, as recorded with every decision.")
    title_zh: str
    title_en: str
    domain: str
    status: StandardStatus
    effective_from: date | None
    created_at: datetime
    approved_at: datetime | None
    review_notes: str | None = Field(
        default=None, description="Why the committee last returned this version to draft."
    )
    document: dict[str, Any]
