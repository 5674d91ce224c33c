"""Qualification pathway definitions, loaded from ``issuer/bank/qualifications_data/*.toml``.

Figures are kept in integer half-credits; the share of non-academic learning is a fraction.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

from issuer.models.qualifications import PathwayPublic

__all__ = ["Pathway", "load", "pathways"]


@dataclass(frozen=True)
class Pathway:
    """One qualification pathway; credit figures in half-credits."""

    id: str
    level: str
    level_zh: str
    title_zh: str
    title_en: str
    total: int
    minimums: dict[str, int]
    non_academic_share: Fraction
    note: str

    @property
    def non_academic_cap(self) -> int:
        """Most half-credits that may come from non-academic learning."""
        return int(self.total * self.non_academic_share)

    def public(self) -> PathwayPublic:
        return PathwayPublic(
            id=self.id,
            level=self.level,
            level_zh=self.level_zh,
            title_zh=self.title_zh,
            title_en=self.title_en,
            total_credits=self.total / 2,
            requirements={d: h / 2 for d, h in self.minimums.items()},
            max_non_academic_share=str(self.non_academic_share),
            note=self.note,
        )


def _half(value: Any) -> int:
    halves = Decimal(str(value)) * 2
    if halves != halves.to_integral_value() or halves < 0:
        raise ValueError(f"{value} is not a whole or half number of credits")
    return int(halves)


def load(doc: dict[str, Any]) -> Pathway:
    """A pathway from its TOML document; credits must be whole or half numbers."""
    return Pathway(
        id=str(doc["id"]),
        level=str(doc["level"]),
        level_zh=str(doc["level_zh"]),
        title_zh=str(doc["title_zh"]),
        title_en=str(doc["title_en"]),
        total=_half(doc["total_credits"]),
        minimums={str(d): _half(c) for d, c in doc.get("requirements", {}).items()},
        non_academic_share=Fraction(str(doc["max_non_academic_share"])),
        note=str(doc.get("note", "")),
    )


@cache
def pathways() -> dict[str, Pathway]:
    """Every shipped pathway by id."""
    found: dict[str, Pathway] = {}
    for item in sorted(resources.files("issuer.bank.qualifications_data").iterdir(), key=str):
        if item.name.endswith(".toml"):
            pathway = load(tomllib.loads(item.read_text("utf-8")))
            found[pathway.id] = pathway
    return found
