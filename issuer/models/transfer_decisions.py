"""The registrar's decision on one application, item by item, as it was when recorded.

One row per item of the report the registrar recorded from — the bank's copies of the
application's credentials, or the files and presentations they uploaded (which are
forgotten once recorded): where it came from, the course, its institution and credits,
and the decision (``recorded``, ``accepted`` by the policy but not recorded, or
``refused`` with the reason's code). The decision's CSV and PDF are read from these rows,
so they list what was decided even after the uploads are gone and the nonces used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = ["DecisionOutcome", "TransferDecisionItem"]

DecisionOutcome = Literal["recorded", "accepted", "refused"]


class TransferDecisionItem(SQLModel, table=True):
    """One item of one recorded decision (see the module)."""

    __tablename__ = "transfer_decision_item"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="transfer_application.id", index=True)
    staff_id: int = Field(foreign_key="staff_account.id")
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    policy: str = Field(default="", max_length=200)
    #: ``bank_copy``, ``file`` or ``presentation``; ``source`` is the file's name.
    source_kind: str = Field(max_length=16)
    source: str = Field(max_length=220)
    jti: str | None = Field(default=None, max_length=64)
    position: int = Field(default=0, ge=0)
    title: str | None = Field(default=None, max_length=300)
    institution: str | None = Field(default=None, max_length=500)
    half_credits: int | None = Field(default=None)
    domain: str | None = Field(default=None, max_length=16)
    standard: str | None = Field(default=None, max_length=120)
    achieved_on: str | None = Field(default=None, max_length=32)
    outcome: DecisionOutcome = Field(sa_type=String(16))
    reason: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=500)
    duplicate_source: str | None = Field(default=None, max_length=220)
    #: The transfer that recorded the item (null unless ``outcome`` is ``recorded``).
    transfer_id: int | None = Field(default=None, foreign_key="transfer.id")
