"""Achievements recorded by institutions: courses and every other kind of learning.

A course keeps its own columns (``course_type``, ``hours``, ``grade``) as before; every
kind stores its validated evidence in ``evidence`` (see :mod:`issuer.conversion.evidence`).
Certificates carry ``certificate_number`` and ``certifying_body``, unique together
across all accounts so one certificate can never be deposited twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow
from issuer.models.input import PlausibleDate, RequestSQLModel
from verifier.formats.vocabulary import ACHIEVEMENT_KINDS, AchievementKind, Domain

__all__ = [
    "ACHIEVEMENT_KINDS",
    "Achievement",
    "AchievementKind",
    "AchievementPublic",
    "CourseCreate",
    "Domain",
]

CourseType = Literal["theory", "practice"]


class CourseBase(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    course_type: CourseType = Field(sa_type=String(16))
    hours: int = Field(gt=0, le=10_000)
    domain: Domain = Field(sa_type=String(8))
    completed_on: PlausibleDate
    grade: str | None = Field(default=None, max_length=32)
    external_ref: str | None = Field(
        default=None, max_length=128, description="The institution's own id for this record."
    )


class CourseCreate(CourseBase, RequestSQLModel):
    pass


class Achievement(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("institution_id", "external_ref", name="uq_achievement_external_ref"),
        UniqueConstraint(
            "certifying_body", "certificate_number", name="uq_achievement_certificate"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    kind: str = Field(default="course", max_length=16)
    title: str = Field(max_length=200)
    # Course columns; null for kinds without a course type (hours live in evidence then).
    course_type: str | None = Field(default=None, max_length=16)
    hours: int | None = None
    domain: str = Field(max_length=8)
    completed_on: date
    grade: str | None = Field(default=None, max_length=32)
    external_ref: str | None = Field(default=None, max_length=128)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    certificate_number: str | None = Field(default=None, max_length=64)
    certifying_body: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AchievementPublic(SQLModel):
    id: int
    learner_id: int
    institution_id: int
    kind: AchievementKind
    title: str
    course_type: CourseType | None = None
    hours: int | None = None
    domain: str
    completed_on: date
    grade: str | None = None
    external_ref: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    certificate_number: str | None = None
    certifying_body: str | None = None
    created_at: datetime
