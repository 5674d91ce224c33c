"""Canonical forms of the identifiers the bank compares or keeps in a unique key.

Every path that stores or compares one of them (the achievement bodies of the API, the
CSV import, learner registration) passes it through the function here first, so that two
spellings of one certificate meet in the same unique key. Each function is idempotent:
applying it to its own output changes nothing.

What every form shares: Unicode NFKC (full-width ``ＡＢ１２`` becomes ``AB12``), the
invisible characters removed (zero-width space U+200B, zero-width (non-)joiners, word
joiner, byte-order mark U+FEFF, soft hyphen) and the ideographic space U+3000 removed.

- :func:`certificate_number`: all whitespace removed and **upper-cased**. Certificate
  numbers are codes of letters, digits and hyphens that certifying bodies print in
  capitals; ``ab-123`` and ``AB-123`` are the same certificate, so the number is
  case-insensitive.
- :func:`name` (certifying bodies, occupation names): runs of whitespace become one space,
  no space is kept next to a Chinese (East Asian wide) character, trimmed. Names are **not**
  case-folded: they are printed on credentials as written, and they are mostly Chinese,
  which has no case; the certificate number beside the body is what identifies a
  certificate.
- :func:`national_id`: all whitespace removed and upper-cased (the check character ``x``
  is ``X``); :mod:`issuer.core.national_id` validates the result.

Hand-written because no library covers these domain rules; the Unicode work itself is the
standard library's :mod:`unicodedata`.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["certificate_number", "name", "national_id"]

# Removed before NFKC (which would turn U+3000 into an ordinary space).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u3000"),
    None,
)
_WHITESPACE = re.compile(r"\s+")


def _base(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw.translate(_INVISIBLE)).translate(_INVISIBLE)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _code(raw: str) -> str:
    # Upper-casing can decompose a letter (``ΐ``), so NFKC runs again after it.
    return _base(_WHITESPACE.sub("", _base(raw)).upper())


def certificate_number(raw: str) -> str:
    """The canonical certificate number: NFKC, no whitespace or invisibles, upper case."""
    return _code(raw)


def national_id(raw: str) -> str:
    """The canonical resident ID text: NFKC, no whitespace or invisibles, upper case."""
    return _code(raw)


def name(raw: str) -> str:
    """The canonical name: NFKC, no invisibles, single spaces between Latin words only."""
    words = _WHITESPACE.split(_base(raw).strip())
    out = words[0]
    for word in words[1:]:
        if not word:
            continue
        if out and not _wide(out[-1]) and not _wide(word[0]):
            out += " "
        out += word
    return out
