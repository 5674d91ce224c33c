"""The fields of the workspace's achievement form, one set per kind, read from the models.

The form posts the same names as the columns of a CSV import, and is validated the same
way (:data:`issuer.conversion.evidence.achievement_adapter`, cells as text), so a form
and a CSV row of the same achievement are one thing. Each field's input (a choice, a
date, a number, text) comes from its type in :mod:`issuer.conversion.evidence`.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from issuer.conversion import evidence
from issuer.core.i18n import N_

__all__ = ["KIND_LABELS", "FormField", "fields_of", "kinds"]

_MODELS: dict[str, type[BaseModel]] = {
    "course": evidence.CourseAchievementCreate,
    "vocational_cert": evidence.VocationalCertCreate,
    "one_plus_x": evidence.OnePlusXCreate,
    "training": evidence.TrainingCreate,
    "work_experience": evidence.WorkExperienceCreate,
    "award": evidence.AwardCreate,
    "online_course": evidence.OnlineCourseCreate,
}
KIND_LABELS: dict[str, str] = {
    "course": N_("Course"),
    "vocational_cert": N_("Vocational skill certificate"),
    "one_plus_x": N_("1+X certificate"),
    "training": N_("Training certificate"),
    "work_experience": N_("Work experience"),
    "award": N_("Competition award"),
    "online_course": N_("Online course"),
}
FIELD_LABELS: dict[str, str] = {
    "title": N_("Title"),
    "completed_on": N_("Completed on"),
    "external_ref": N_("Your reference"),
    "course_type": N_("Course type"),
    "hours": N_("Hours"),
    "domain": N_("Domain"),
    "grade": N_("Grade"),
    "occupation_name": N_("Occupation"),
    "occupation_code": N_("Occupation code"),
    "level": N_("Level"),
    "certificate_number": N_("Certificate number"),
    "certifying_body": N_("Certifying body"),
    "certificate_name": N_("Certificate"),
    "provider": N_("Training provider"),
    "continuing_education": N_("Continuing education of teachers"),
    "months": N_("Months"),
    "employer": N_("Employer"),
    "attestation": N_("Employer's attestation"),
    "competition": N_("Competition"),
    "rank": N_("Rank"),
    "organiser": N_("Organiser"),
    "platform": N_("Platform"),
    "assessment_passed": N_("Assessment passed"),
}


@dataclass(frozen=True)
class FormField:
    """One input of the form: its name, label id, whether required, its kind and choices."""

    name: str
    label: str
    required: bool
    input: Literal["select", "date", "number", "text"]
    choices: tuple[str, ...] = ()


def _literal_choices(annotation: Any) -> tuple[str, ...]:
    if get_origin(annotation) is Literal:
        return tuple(str(a) for a in get_args(annotation))
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _literal_choices(arg)
            if found:
                return found
    return ()


def _input(annotation: Any) -> tuple[Literal["select", "date", "number", "text"], tuple[str, ...]]:
    choices = _literal_choices(annotation)
    if choices:
        return "select", choices
    kinds = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else ()
    for candidate in (annotation, *kinds):
        if candidate is bool:
            return "select", ("true", "false")
        if candidate is date:
            return "date", ()
        if candidate is int:
            return "number", ()
    return "text", ()


def kinds() -> tuple[str, ...]:
    """The seven achievement kinds, in the form's order."""
    return tuple(_MODELS)


def fields_of(kind: str) -> list[FormField]:
    """The inputs of ``kind``'s form (everything of its model but ``kind``)."""
    model = _MODELS[kind]
    out = []
    for name, info in model.model_fields.items():
        if name == "kind":
            continue
        shown, choices = _input(info.annotation)
        out.append(
            FormField(name, FIELD_LABELS.get(name, name), info.is_required(), shown, choices)
        )
    return out
