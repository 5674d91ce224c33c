"""What a learner's new password must be: long enough, letters and digits, not their ID.

Checked when an account is opened online and when a password is changed or reset;
:class:`~issuer.core.errors.WeakPassword` says which rule failed, never echoing the password.
"""

from __future__ import annotations

from issuer.core.errors import WeakPassword
from issuer.core.national_id import NationalId

__all__ = ["MIN_LENGTH", "check"]

MIN_LENGTH = 8
#: Passwords seen first in every leaked list; refused whatever their length.
_COMMON = frozenset(
    {"password1", "password123", "qwerty123", "abc12345", "a1234567", "1qaz2wsx", "woaini1314"}
)


def check(password: str, *, national_id: NationalId | None = None) -> None:
    """Raise :class:`WeakPassword` unless ``password`` keeps the policy."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password needs at least {MIN_LENGTH} characters")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise WeakPassword("the password needs both letters and digits")
    if password.lower() in _COMMON:
        raise WeakPassword("this password is among the most common ones; choose another")
    if national_id is not None and national_id.found_in(password):
        raise WeakPassword("the password must not contain the date of birth or the ID number")
