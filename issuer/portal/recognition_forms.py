"""The evidence fields of each achievement kind as form inputs, and the form read back.

One :class:`Input` per field of the kind's model in :mod:`issuer.conversion.evidence`
(the model validates; this module only names the fields for people and turns the
posted text into the values the model expects). A field the model refuses is named back
to the learner by its label, in their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from issuer.conversion.evidence import AchievementCreate, achievement_adapter
from issuer.core import labels
from issuer.core.i18n import N_

__all__ = ["FIELD_NAMES", "INPUTS", "KINDS", "Input", "read_achievement", "refused_fields"]


@dataclass(frozen=True, slots=True)
class Input:
    """One form input: the model's field name, its label, its type and its choices."""

    name: str
    label: str
    kind: str = "text"  # text, number, date, select, checkbox
    required: bool = True
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""


_DOMAINS = tuple(labels.DOMAINS.items())
_VOCATIONAL = (
    ("五级", N_("Level 5 (五级)")),
    ("四级", N_("Level 4 (四级)")),
    ("三级", N_("Level 3 (三级)")),
    ("二级", N_("Level 2 (二级)")),
    ("一级", N_("Level 1 (一级)")),
)
_ONE_PLUS_X = (
    ("初级", N_("Elementary (初级)")),
    ("中级", N_("Intermediate (中级)")),
    ("高级", N_("Advanced (高级)")),
)
_AWARD_LEVEL = (
    ("national", N_("National")),
    ("provincial", N_("Provincial")),
    ("municipal", N_("Municipal")),
)
_RANK = (("first", N_("First prize")), ("second", N_("Second prize")), ("third", N_("Third prize")))
_COURSE_TYPE = (("theory", N_("Theory")), ("practice", N_("Practice")))
_DATE = Input("completed_on", N_("Date completed or awarded"), "date")
_NUMBER = Input(
    "certificate_number", N_("Certificate No."), hint=N_("Letters, digits and hyphens.")
)
_CODE_HINT = N_("As on the certificate, e.g. 6-31-01-10.")

#: The inputs of each kind, in the order of the form.
INPUTS: dict[str, tuple[Input, ...]] = {
    "vocational_cert": (
        Input("occupation_name", N_("Occupation")),
        Input("occupation_code", N_("Occupation code"), hint=_CODE_HINT),
        Input("level", N_("Level"), "select", options=_VOCATIONAL),
        _NUMBER,
        Input("certifying_body", N_("Certifying body")),
        _DATE,
    ),
    "one_plus_x": (
        Input("certificate_name", N_("Certificate")),
        Input("level", N_("Level"), "select", options=_ONE_PLUS_X),
        _NUMBER,
        Input("certifying_body", N_("Certifying body")),
        _DATE,
    ),
    "training": (
        Input("provider", N_("Provider")),
        Input("hours", N_("Hours"), "number"),
        Input("occupation_name", N_("Occupation"), required=False),
        Input("certificate_number", N_("Certificate No."), required=False),
        Input("continuing_education", N_("Continuing education for teachers"), "checkbox"),
        _DATE,
    ),
    "work_experience": (
        Input("occupation_name", N_("Occupation")),
        Input("occupation_code", N_("Occupation code"), required=False, hint=_CODE_HINT),
        Input("months", N_("Months"), "number"),
        Input("employer", N_("Employer")),
        Input("attestation", N_("Attestation"), hint=N_("The employer's attestation reference.")),
        _DATE,
    ),
    "award": (
        Input("competition", N_("Competition")),
        Input("level", N_("Award level"), "select", options=_AWARD_LEVEL),
        Input("rank", N_("Rank"), "select", options=_RANK),
        Input("organiser", N_("Organiser")),
        Input("domain", N_("Domain"), "select", required=False, options=_DOMAINS),
        _DATE,
    ),
    "online_course": (
        Input("title", N_("Course title")),
        Input("platform", N_("Platform")),
        Input("hours", N_("Hours"), "number"),
        Input("assessment_passed", N_("Assessment passed"), "checkbox"),
        Input("domain", N_("Domain"), "select", required=False, options=_DOMAINS),
        _DATE,
    ),
    "course": (
        Input("title", N_("Course title")),
        Input("course_type", N_("Course type"), "select", options=_COURSE_TYPE),
        Input("hours", N_("Hours"), "number"),
        Input("domain", N_("Domain"), "select", options=_DOMAINS),
        Input("grade", N_("Grade")),
        _DATE,
    ),
}
#: The kinds, in the order the learner is offered them.
KINDS = tuple(INPUTS)
#: Every field's label by name (for naming refused fields and the evidence shown back).
FIELD_NAMES = {i.name: i.label for inputs in INPUTS.values() for i in inputs}


def _value(spec: Input, raw: str) -> Any:
    if spec.kind == "checkbox":
        return raw == "on"
    text = raw.strip()
    if spec.kind == "number" and text.isdigit():
        return int(text)
    return text


def read_achievement(kind: str, form: dict[str, str]) -> tuple[AchievementCreate, dict[str, str]]:
    """The posted fields of ``kind`` as its evidence model, and the fields as posted.

    Raises ``KeyError`` for a kind that does not exist and ``ValidationError`` for
    fields the model refuses (:func:`refused_fields` names them).
    """
    specs = INPUTS[kind]
    posted = {s.name: form.get(s.name, "")[:500] for s in specs}
    body: dict[str, Any] = {"kind": kind}
    for spec in specs:
        value = _value(spec, posted[spec.name])
        if value == "" and not spec.required:
            continue
        body[spec.name] = value
    return achievement_adapter.validate_python(body), posted


def refused_fields(kind: str, exc: ValidationError) -> list[str]:
    """The labels (message ids) of the fields ``exc`` refuses, in form order."""
    names = {str(e["loc"][1]) if len(e["loc"]) > 1 else str(e["loc"][0]) for e in exc.errors()}
    names |= {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
    return [s.label for s in INPUTS[kind] if s.name in names]
