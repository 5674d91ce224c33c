"""Learners' own applications for recognition, with the evidence files they upload.

An application is an achievement the learner declares (stored like any other, under the
intake institution of the certification centre they apply to) whose recognition always
waits for a reviewer of that centre. Its files are kept content-addressed (SHA-256) in
the data directory; the rows below say which application, and which round of material,
each file belongs to. A reviewer who asks for more material gets a *supplement*: the
learner's words and the files added with them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.views import DecisionPublic

__all__ = [
    "EVIDENCE_MEDIA_TYPES",
    "EvidenceApplication",
    "EvidenceApplicationPublic",
    "EvidenceFile",
    "EvidenceFilePublic",
    "EvidenceSupplement",
    "EvidenceSupplementPublic",
]

#: The media types an evidence file may have, each found from the file's content.
EVIDENCE_MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png")


class EvidenceApplication(SQLModel, table=True):
    """One application: the learner, the centre applied to, and what it became."""

    __tablename__ = "evidence_application"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    centre_id: int = Field(foreign_key="org_unit.id", index=True)
    achievement_id: int = Field(foreign_key="achievement.id", unique=True)
    recognition_id: int = Field(foreign_key="recognition.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EvidenceSupplement(SQLModel, table=True):
    """Material a learner added when a reviewer asked for more."""

    __tablename__ = "evidence_supplement"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="evidence_application.id", index=True)
    text: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EvidenceFile(SQLModel, table=True):
    """One uploaded file; its bytes are at ``evidence/<sha256[:2]>/<sha256>`` under the home."""

    __tablename__ = "evidence_file"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="evidence_application.id", index=True)
    supplement_id: int | None = Field(default=None, foreign_key="evidence_supplement.id")
    sha256: str = Field(max_length=64, index=True)
    media_type: str = Field(max_length=32)
    size: int
    # The name the learner's device gave it, only for display (never a path).
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EvidenceFilePublic(SQLModel):
    id: int
    supplement_id: int | None
    sha256: str
    media_type: str
    size: int
    name: str
    created_at: datetime


class EvidenceSupplementPublic(SQLModel):
    id: int
    text: str
    created_at: datetime


class EvidenceApplicationPublic(SQLModel):
    """An application as its learner follows it."""

    id: int
    learner_id: int
    centre_id: int
    achievement_id: int
    recognition_id: int
    kind: str
    title: str
    completed_on: date
    status: str = Field(
        description="pending_review (待审核), more_material (补充材料), "
        "recognised (已认定) or rejected (未通过)."
    )
    reason: str | None = Field(description="The reviewer's words: what is missing, or why not.")
    decision: DecisionPublic = Field(description="What the published standard gives.")
    evidence: dict[str, object]
    files: list[EvidenceFilePublic]
    supplements: list[EvidenceSupplementPublic]
    ledger_entry_id: int | None
    created_at: datetime
