"""The document of one conversion-standard version: its rules, caps and validity.

The same pydantic model validates the TOML files shipped under
``issuer/conversion/standards_data/`` (:func:`shipped_documents`) and the drafts posted to
``POST /standards``. It is pure data: :mod:`issuer.conversion.engine` compiles it for fast
decisions. The shipped files reach a database only through migrations (0002 holds the first
versions as data) or the committee workflow, never by being re-read at start-up.
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from issuer.models.achievements import AchievementKind, Domain

__all__ = ["Caps", "Rule", "RuleMethod", "StandardDocument", "contradiction", "shipped_documents"]

RuleMethod = Literal["fixed", "per_hours", "per_months", "by_level"]
_ID = r"^[A-Z]{2,4}(-[A-Z0-9]{1,12}){1,3}$"


class Rule(BaseModel):
    """One rule: which achievements it matches and how many half-credits they earn."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")
    kind: AchievementKind
    label_zh: str = Field(min_length=1, max_length=100)
    label_en: str = Field(min_length=1, max_length=100)
    match: dict[str, str | int | bool] = Field(
        default_factory=dict, description="Evidence fields that must have exactly these values."
    )
    method: RuleMethod
    half_credits: int | None = Field(default=None, ge=0, le=400)
    hours_per_credit: int | None = Field(default=None, gt=0, le=1000)
    months_per_credit: int | None = Field(default=None, gt=0, le=120)
    levels: dict[str, int] | None = Field(
        default=None, description="Evidence `level` → half-credits (method by_level)."
    )
    max_half_credits: int | None = Field(default=None, ge=0, le=400)
    domain: Domain | None = None

    @model_validator(mode="after")
    def _method_has_its_parameter(self) -> Rule:
        needed = {
            "fixed": self.half_credits,
            "per_hours": self.hours_per_credit,
            "per_months": self.months_per_credit,
            "by_level": self.levels,
        }[self.method]
        if needed is None:
            raise ValueError(f"rule {self.id}: method {self.method} needs its parameter")
        if self.levels is not None and any(v < 0 or v > 400 for v in self.levels.values()):
            raise ValueError(f"rule {self.id}: level values must be 0..400 half-credits")
        return self


class Caps(BaseModel):
    """Limits per learner under one standard (all versions), in half-credits."""

    model_config = ConfigDict(extra="forbid")

    per_year: int | None = Field(default=None, ge=0, description="Per calendar year.")
    per_source: int | None = Field(
        default=None, ge=0, description="From one source (certifying body, provider, employer)."
    )
    per_kind: dict[AchievementKind, int] = Field(default_factory=dict)


class StandardDocument(BaseModel):
    """One version of a conversion standard."""

    model_config = ConfigDict(extra="forbid")

    standard_id: str = Field(pattern=_ID, max_length=32)
    version: int = Field(ge=1)
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    domain: Domain
    defaults: bool = Field(
        default=False,
        description="True for the shipped illustrative values that the committee replaces.",
    )
    note_zh: str = ""
    note_en: str = ""
    effective_from: date | None = None
    validity_years: int | None = Field(
        default=None,
        ge=1,
        le=50,
        description="Achievements completed longer ago than this are not recognised.",
    )
    caps: Caps = Field(default_factory=Caps)
    rules: list[Rule] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _rule_ids_unique(self) -> StandardDocument:
        ids = [rule.id for rule in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique within a standard")
        return self

    @model_validator(mode="after")
    def _rules_do_not_contradict(self, info: ValidationInfo) -> StandardDocument:
        # A stored draft saved before this check is read back as it is (``as_stored``),
        # so that its page can show the clash and the editor can mend it.
        clash = contradiction(self.rules)
        if clash is not None and not (info.context or {}).get("as_stored"):
            first, second, kind = clash
            raise PydanticCustomError(
                "standard_contradiction",
                "rules {first} and {second} match the same {kind} achievements",
                {"first": first, "second": second, "kind": kind},
            )
        return self

    @property
    def ref(self) -> str:
        """``standard_id@version``."""
        return f"{self.standard_id}@{self.version}"


def contradiction(rules: list[Rule]) -> tuple[str, str, str] | None:
    """The first two rules that contradict each other, and their kind; None if none do.

    The engine applies the most specific matching rule, then the first: two rules of one
    kind with the same match would grant the same achievements differently, and the second
    would silently never apply."""
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
    for rule in rules:
        key = (rule.kind, tuple(sorted((k, repr(v)) for k, v in rule.match.items())))
        if key in seen:
            return seen[key], rule.id, rule.kind
        seen[key] = rule.id
    return None


def shipped_documents() -> list[StandardDocument]:
    """Every standard document shipped under ``standards_data/``, validated, by file name."""
    folder = resources.files("issuer.conversion") / "standards_data"
    return [
        StandardDocument.model_validate(tomllib.loads(item.read_text("utf-8")))
        for item in sorted(folder.iterdir(), key=lambda f: f.name)
        if item.name.endswith(".toml")
    ]
