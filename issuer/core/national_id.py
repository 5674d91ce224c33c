"""Chinese resident identity numbers (GB 11643): validation, masking and keyed hashing.

The clear number only passes through :func:`parse`; the service stores its keyed
HMAC-SHA256 (to find a learner again) and the masked form (to show), never the number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from issuer.core import identifiers
from issuer.core.errors import InvalidNationalId

__all__ = ["NationalId", "check_digit", "parse"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
#: The earliest date of birth a resident ID may carry (GB 11643: digits 7-14, YYYYMMDD).
_FIRST_BIRTH = date(1900, 1, 1)


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


@dataclass(frozen=True, repr=False)
class NationalId:
    """A validated ID; ``repr`` and ``str`` show only the masked form."""

    _value: str

    @property
    def masked(self) -> str:
        """First 4 and last 4 characters kept: ``4101**********1234``."""
        return self._value[:4] + "*" * 10 + self._value[-4:]

    def hmac_hex(self, key: bytes) -> str:
        """Keyed HMAC-SHA256 of the number, hex."""
        return hmac.new(key, self._value.encode("ascii"), hashlib.sha256).hexdigest()

    def found_in(self, text: str) -> bool:
        """Whether ``text`` holds the date of birth or the last six characters of the ID
        (a password must not)."""
        folded = text.upper()
        return self._value[6:14] in folded or self._value[-6:] in folded

    def __repr__(self) -> str:
        return f"NationalId({self.masked!r})"

    __str__ = __repr__


def parse(raw: str, *, today: date | None = None) -> NationalId:
    """Validate an 18-character resident ID; raise :class:`InvalidNationalId` otherwise.

    The number is read in its canonical form (:func:`issuer.core.identifiers.national_id`:
    full-width digits, spaces and invisible characters do not make another number).

    The error message never repeats the number.
    """
    value = identifiers.national_id(raw)
    if not _SHAPE.match(value):
        raise InvalidNationalId("a national ID has 17 digits followed by a digit or X")
    if check_digit(value[:17]) != value[17]:
        raise InvalidNationalId("the national ID's check digit does not match")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidNationalId("the national ID's date of birth is not a date") from None
    if not _FIRST_BIRTH <= born <= (today or date.today()):
        raise InvalidNationalId("the national ID's date of birth is in the future or before 1900")
    return NationalId(value)
