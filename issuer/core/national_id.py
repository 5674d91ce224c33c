"""Chinese resident identity numbers (GB 11643): validation, masking and keyed hashing.

The clear number only passes through :func:`parse`; the service stores its keyed
HMAC-SHA256 (to find a learner again) and the masked form (to show), never the number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from issuer.core import identifiers
from issuer.core.errors import InvalidNationalId

__all__ = ["NationalId", "check_digit", "parse"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


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

    def __repr__(self) -> str:
        return f"NationalId({self.masked!r})"

    __str__ = __repr__


def parse(raw: str) -> NationalId:
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
    return NationalId(value)
