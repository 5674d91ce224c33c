"""Vocabulary shared by the issuer and the verifier: achievement kinds and domain codes.

The codes are what a ``cbqr`` credit entry carries (``k``, ``d``; docs/formats.md §2.2)
and what a transfer policy names; the issuer's models validate against the same lists.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "ACHIEVEMENT_KINDS",
    "DOMAINS",
    "OB_ACHIEVEMENT_TYPES",
    "AchievementKind",
    "Domain",
]

#: The kinds of learning an achievement records.
AchievementKind = Literal[
    "course",
    "vocational_cert",
    "one_plus_x",
    "training",
    "work_experience",
    "award",
    "online_course",
]
ACHIEVEMENT_KINDS: tuple[str, ...] = get_args(AchievementKind)

#: Domain codes: general, advanced manufacturing, artificial intelligence, modern agriculture.
Domain = Literal["GE", "AM", "AI", "AG"]
DOMAINS: tuple[str, ...] = get_args(Domain)

#: The Open Badges 3.0 ``achievementType`` of each kind; kinds without a close match use
#: the ``ext:`` form the specification allows. Where two kinds share a type, the first
#: listed is the one a reader maps the type back to.
OB_ACHIEVEMENT_TYPES: dict[str, str] = {
    "course": "Course",
    "online_course": "Course",
    "vocational_cert": "Certificate",
    "one_plus_x": "Certificate",
    "training": "LearningProgram",
    "award": "Award",
    "work_experience": "ext:WorkExperience",
}
assert set(OB_ACHIEVEMENT_TYPES) == set(ACHIEVEMENT_KINDS)
