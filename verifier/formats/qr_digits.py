"""Numeric encoding of a compact JWS for a QR numeric segment.

Why hand-written: no Python library implements the SMART Health Cards digit codec.

Each character c of the JWS becomes the two decimal digits of ``ord(c) - 45``,
as SMART Health Cards do: the JWS alphabet (``-`` … ``z``) maps to 00 … 77.

Both directions avoid a Python loop per character, because they sit on the hot
path of issuance and verification: a pair of decimal digits ``ab`` is read as the
hexadecimal byte ``0xab`` by ``bytes.fromhex`` (and written by ``bytes.hex``), and
one 256-entry translation table maps between that byte and the JWS character.
"""

from __future__ import annotations

from verifier._errors import BadEncoding
from verifier.formats import limits
from verifier.formats.jws import ascii_jws

__all__ = ["decode_digits", "digits_to_jws", "encode_digits"]

_OFFSET = limits.DIGIT_OFFSET
_JWS_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
_DIGITS = b"0123456789"


def _tables() -> tuple[bytes, bytes]:
    to_hexpair = bytearray(256)  # JWS character -> byte whose hex spelling is its two digits
    from_hexpair = bytearray(256)  # and back; 0 (not in the alphabet) marks a bad pair
    for char in _JWS_ALPHABET:
        value = char - _OFFSET
        pair = (value // 10) << 4 | (value % 10)
        to_hexpair[char] = pair
        from_hexpair[pair] = char
    return bytes(to_hexpair), bytes(from_hexpair)


_TO_HEXPAIR, _FROM_HEXPAIR = _tables()


def encode_digits(jws: str) -> str:
    """The numeric form of ``jws`` (ASCII JWS alphabet only)."""
    return ascii_jws(jws).translate(_TO_HEXPAIR).hex()


def decode_digits(digits: str) -> str:
    """The JWS that ``digits`` encode; :class:`BadEncoding` on anything else."""
    return digits_to_jws(digits).decode("ascii")


def digits_to_jws(digits: str) -> bytes:
    """The JWS that ``digits`` encode, as ASCII bytes in the JWS alphabet."""
    if len(digits) % 2:
        raise BadEncoding("the QR digits have an odd length (truncated?)")
    if not digits:
        raise BadEncoding("the QR digits are empty")
    try:
        pairs = bytes.fromhex(digits)
    except ValueError:
        raise BadEncoding("the QR digits hold a character that is not a digit") from None
    # fromhex skips whitespace and reads a-f: a length change or a non-decimal pair
    # (which the table maps to 0, outside the alphabet) gives the input away.
    chars = pairs.translate(_FROM_HEXPAIR)
    if 2 * len(pairs) != len(digits) or chars.translate(None, _JWS_ALPHABET):
        if digits.encode("ascii", "replace").translate(None, _DIGITS):
            raise BadEncoding("the QR digits hold a character that is not a digit")
        raise BadEncoding("a digit pair lies outside the JWS alphabet")
    return chars
