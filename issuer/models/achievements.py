"""Achievements recorded by institutions (courses for now)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from issuer.models._types import UTCDateTime, utcnow

__all__ = ["Achievement", "AchievementPublic", "CourseCreate", "Domain"]

Domain = Literal["GE", "AM", "AI", "AG"]
CourseType = Literal["theory", "practice"]


class CourseBase(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    course_type: CourseType = Field(sa_type=String(16))
    hours: int = Field(gt=0, le=10_000)
    domain: Domain = Field(sa_type=String(8))
    completed_on: date
    grade: str | None = Field(default=None, max_length=32)
    external_ref: str | None = Field(
        default=None, max_length=128, description="The institution's own id for this record."
    )


class CourseCreate(CourseBase):
    pass


class Achievement(CourseBase, table=True):
    __table_args__ = (
        UniqueConstraint("institution_id", "external_ref", name="uq_achievement_external_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    kind: Literal["course"] = Field(default="course", sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AchievementPublic(CourseBase):
    id: int
    learner_id: int
    institution_id: int
    kind: Literal["course"]
    created_at: datetime
