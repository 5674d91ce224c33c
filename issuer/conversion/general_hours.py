"""General hours rule (standard ``GE-HOURS@1``): course hours to half-credits.

Theory courses earn one credit per 16 hours, practice courses one credit per 32 hours,
rounded down to whole half-credits. Pure and deterministic: same input, same decision,
and every decision explains itself in Chinese and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["STANDARD", "CourseType", "Decision", "convert_hours"]

STANDARD = "GE-HOURS@1"

CourseType = Literal["theory", "practice"]

# Hours per full credit by course type, and the rule names recorded with each decision.
_HOURS_PER_CREDIT: dict[str, int] = {"theory": 16, "practice": 32}
_RULES: dict[str, str] = {"theory": "theory-16h", "practice": "practice-32h"}
_TYPE_ZH: dict[str, str] = {"theory": "理论", "practice": "实践"}


@dataclass(frozen=True)
class Decision:
    """The outcome of a conversion, with the standard and rule that produced it."""

    half_credits: int
    standard: str
    rule: str
    explanation_zh: str
    explanation_en: str

    @property
    def credits_text(self) -> str:
        """Credits as an exact decimal string, e.g. ``"1.5"``."""
        whole, half = divmod(self.half_credits, 2)
        return f"{whole}.5" if half else str(whole)


def convert_hours(course_type: CourseType, hours: int) -> Decision:
    """Convert ``hours`` of a ``course_type`` course under ``GE-HOURS@1``."""
    if course_type not in _HOURS_PER_CREDIT:
        raise ValueError(f"unknown course type {course_type!r}")
    if hours < 0:
        raise ValueError("hours must not be negative")
    per_credit = _HOURS_PER_CREDIT[course_type]
    # One half-credit per half of the hours for a credit; integer division rounds down.
    half_credits = (hours * 2) // per_credit
    decision = Decision(half_credits, STANDARD, _RULES[course_type], "", "")
    credits = decision.credits_text
    zh = (
        f"{_TYPE_ZH[course_type]}课程{hours}学时，按{STANDARD}每{per_credit}学时1学分"
        f"（向下取至0.5学分），认定{credits}学分"
    )
    en = (
        f"{hours} h {course_type} course at {per_credit} h per credit under {STANDARD} "
        f"(rounded down to half credits): {credits} credits"
    )
    return Decision(half_credits, STANDARD, _RULES[course_type], zh, en)
