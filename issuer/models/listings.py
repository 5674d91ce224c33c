"""Rows of the back office's list endpoints: learners, credentials and transfers.

Each is the short form a list shows; the full view of one item has its own endpoint
(``GET /learners/{id}/account``, ``GET /credentials/{jti}/status``).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from issuer.models.input import RequestModel

__all__ = ["CredentialListItem", "LearnerListItem", "LearnerSearch", "TransferListItem"]


class LearnerListItem(SQLModel):
    id: int
    name: str
    national_id_masked: str
    created_at: datetime
    opened_by: str | None = Field(description="Code of the institution that opened it, if any.")


class LearnerSearch(RequestModel):
    """Search by the full national ID in a body, so it never lands in a URL or an access log."""

    national_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="The full 18-character ID; matched through its keyed hash, never stored.",
    )
    name: str | None = Field(default=None, min_length=1, max_length=100)
    masked_id: str | None = Field(default=None, min_length=1, max_length=18)


class CredentialListItem(SQLModel):
    jti: str
    format: str
    learner_id: int
    status: str
    issued_at: datetime
    expires_at: datetime | None
    status_list: str
    status_index: int
    entries: int = Field(description="How many ledger entries it carries.")


class TransferListItem(SQLModel):
    id: int
    institution: str = Field(description="Code of the receiving institution.")
    learner_id: int
    policy: str
    reference: str | None
    credits: float
    half_credits: int
    items: int = Field(description="How many deposits were transferred.")
    created_at: datetime
