"""Request bodies of ``POST /learners/{id}/achievements``: one validated model per kind.

The body is a union discriminated by ``kind``. Each model knows how it is stored
(:meth:`stored`): the evidence dict kept with the achievement, the certificate number
and certifying body (unique together across all accounts) and the *source* that the
per-source caps of the conversion standards count against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, TypeAdapter

from issuer.core import identifiers
from issuer.models.achievements import CourseType, Domain
from issuer.models.input import PlausibleDate, RequestModel

__all__ = [
    "AchievementCreate",
    "AwardCreate",
    "CourseAchievementCreate",
    "OnePlusXCreate",
    "OnlineCourseCreate",
    "Stored",
    "TrainingCreate",
    "VocationalCertCreate",
    "WorkExperienceCreate",
    "achievement_adapter",
]

VocationalLevel = Literal["五级", "四级", "三级", "二级", "一级"]
OnePlusXLevel = Literal["初级", "中级", "高级"]
AwardLevel = Literal["national", "provincial", "municipal"]
AwardRank = Literal["first", "second", "third"]


def _canonical(form: Callable[[str], str]) -> BeforeValidator:
    # Only text is normalised; anything else reaches the strict ``str`` check and is refused.
    return BeforeValidator(lambda value: form(value) if isinstance(value, str) else value)


Name = Annotated[str, Field(min_length=1, max_length=100)]
#: A name compared or kept in a unique key (certifying body, provider, occupation): its
#: canonical form (:func:`issuer.core.identifiers.name`) is what is validated and stored.
CanonicalName = Annotated[str, _canonical(identifiers.name), Field(min_length=1, max_length=100)]
CertNumber = Annotated[
    str,
    _canonical(identifiers.certificate_number),
    Field(min_length=4, max_length=64, pattern=r"^[A-Z0-9-]+$"),
]
OccupationCode = Annotated[str, Field(pattern=r"^\d-\d{2}-\d{2}-\d{2}$")]


@dataclass(frozen=True)
class Stored:
    """The columns an achievement of any kind is stored with."""

    title: str
    domain: str | None
    evidence: dict[str, Any]
    source: str
    course_type: str | None = None
    hours: int | None = None
    grade: str | None = None
    certificate_number: str | None = None
    certifying_body: str | None = None


class _Base(RequestModel):
    title: str | None = Field(
        default=None, min_length=1, max_length=200, description="Defaults to a derived title."
    )
    completed_on: PlausibleDate = Field(description="Completion, award or certificate date.")
    external_ref: str | None = Field(
        default=None, max_length=128, description="The institution's own id for this record."
    )

    def _evidence(self, *exclude: str) -> dict[str, Any]:
        skip = {"kind", "title", "completed_on", "external_ref", "domain", *exclude}
        return self.model_dump(mode="json", exclude=skip)


class CourseAchievementCreate(_Base):
    """An academic course with its grade (the same rule as ``POST …/courses``)."""

    kind: Literal["course"]
    title: str = Field(min_length=1, max_length=200)
    course_type: CourseType
    hours: int = Field(gt=0, le=10_000)
    domain: Domain
    grade: str = Field(min_length=1, max_length=32)

    def stored(self, institution_code: str) -> Stored:
        return Stored(
            self.title,
            self.domain,
            self._evidence(),
            institution_code,
            course_type=self.course_type,
            hours=self.hours,
            grade=self.grade,
        )


class VocationalCertCreate(_Base):
    """A vocational skill level certificate (职业技能等级证书)."""

    kind: Literal["vocational_cert"]
    occupation_name: CanonicalName
    occupation_code: OccupationCode
    level: VocationalLevel
    certificate_number: CertNumber
    certifying_body: CanonicalName

    def stored(self, institution_code: str) -> Stored:
        return Stored(
            self.title or f"{self.occupation_name}（{self.level}）",
            None,
            self._evidence(),
            self.certifying_body,
            certificate_number=self.certificate_number,
            certifying_body=self.certifying_body,
        )


class OnePlusXCreate(_Base):
    """A 1+X vocational skill level certificate (初级/中级/高级)."""

    kind: Literal["one_plus_x"]
    certificate_name: Name
    level: OnePlusXLevel
    certificate_number: CertNumber
    certifying_body: CanonicalName

    def stored(self, institution_code: str) -> Stored:
        return Stored(
            self.title or f"1+X {self.certificate_name}（{self.level}）",
            None,
            self._evidence(),
            self.certifying_body,
            certificate_number=self.certificate_number,
            certifying_body=self.certifying_body,
        )


class TrainingCreate(_Base):
    """A training certificate; ``continuing_education`` marks teachers' 继续教育学时."""

    kind: Literal["training"]
    hours: int = Field(gt=0, le=2_000)
    provider: CanonicalName
    occupation_name: CanonicalName | None = None
    continuing_education: bool = False
    certificate_number: CertNumber | None = None

    def stored(self, institution_code: str) -> Stored:
        return Stored(
            self.title or f"{self.provider}培训{self.hours}学时",
            None,
            self._evidence(),
            self.provider,
            certificate_number=self.certificate_number,
            certifying_body=self.provider if self.certificate_number else None,
        )


class WorkExperienceCreate(_Base):
    """Work experience attested by the employer; always waits for quality review."""

    kind: Literal["work_experience"]
    occupation_name: CanonicalName
    occupation_code: OccupationCode | None = None
    months: int = Field(gt=0, le=600)
    employer: Name
    attestation: str = Field(
        min_length=4, max_length=500, description="The employer's attestation reference or text."
    )

    def stored(self, institution_code: str) -> Stored:
        return Stored(
            self.title or f"{self.occupation_name}工作经历{self.months}个月",
            None,
            self._evidence(),
            self.employer,
        )


class AwardCreate(_Base):
    """A competition award."""

    kind: Literal["award"]
    competition: Name
    level: AwardLevel
    rank: AwardRank
    organiser: Name
    domain: Domain | None = None

    def stored(self, institution_code: str) -> Stored:
        return Stored(
            self.title or f"{self.competition}",
            self.domain,
            self._evidence(),
            self.organiser,
        )


class OnlineCourseCreate(_Base):
    """An online course; only a passed assessment earns credits."""

    kind: Literal["online_course"]
    title: str = Field(min_length=1, max_length=200)
    platform: Name
    hours: int = Field(gt=0, le=1_000)
    assessment_passed: bool
    domain: Domain | None = None

    def stored(self, institution_code: str) -> Stored:
        return Stored(self.title, self.domain, self._evidence(), self.platform, hours=self.hours)


AchievementCreate = Annotated[
    CourseAchievementCreate
    | VocationalCertCreate
    | OnePlusXCreate
    | TrainingCreate
    | WorkExperienceCreate
    | AwardCreate
    | OnlineCourseCreate,
    Field(discriminator="kind"),
]

achievement_adapter: TypeAdapter[AchievementCreate] = TypeAdapter(AchievementCreate)
