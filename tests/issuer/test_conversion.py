from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuer.conversion.general_hours import STANDARD, convert_hours

course_types = st.sampled_from(["theory", "practice"])
hours = st.integers(min_value=0, max_value=100_000)


@pytest.mark.parametrize(
    ("course_type", "hours_", "half", "rule"),
    [
        ("theory", 16, 2, "theory-16h"),
        ("theory", 10, 1, "theory-16h"),
        ("theory", 7, 0, "theory-16h"),
        ("theory", 24, 3, "theory-16h"),
        ("theory", 31, 3, "theory-16h"),
        ("practice", 32, 2, "practice-32h"),
        ("practice", 15, 0, "practice-32h"),
        ("practice", 16, 1, "practice-32h"),
        ("practice", 100, 6, "practice-32h"),
    ],
)
def test_examples(course_type: str, hours_: int, half: int, rule: str) -> None:
    decision = convert_hours(course_type, hours_)  # type: ignore[arg-type]
    assert (decision.half_credits, decision.standard, decision.rule) == (half, STANDARD, rule)
    assert decision.credits_text in decision.explanation_en
    assert decision.credits_text in decision.explanation_zh


def test_rejects_unknown_type_and_negative_hours() -> None:
    with pytest.raises(ValueError, match="course type"):
        convert_hours("lab", 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        convert_hours("theory", -1)


@given(course_types, hours)
def test_never_negative_and_deterministic(course_type: str, h: int) -> None:
    first = convert_hours(course_type, h)  # type: ignore[arg-type]
    assert first.half_credits >= 0
    assert first == convert_hours(course_type, h)  # type: ignore[arg-type]


@given(course_types, hours, hours)
def test_monotone_in_hours(course_type: str, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert (
        convert_hours(course_type, low).half_credits  # type: ignore[arg-type]
        <= convert_hours(course_type, high).half_credits  # type: ignore[arg-type]
    )


@given(hours)
def test_theory_earns_at_least_practice(h: int) -> None:
    assert convert_hours("theory", h).half_credits >= convert_hours("practice", h).half_credits


@given(course_types, hours)
def test_rounds_down_to_half_credits(course_type: str, h: int) -> None:
    per_credit = 16 if course_type == "theory" else 32
    half = convert_hours(course_type, h).half_credits  # type: ignore[arg-type]
    # Never more than the exact value, and less than half a credit below it.
    assert half * per_credit <= 2 * h < (half + 1) * per_credit
