"""Compact JWS (RFC 7515) parsing shared by the formats of this package.

Parsing and signature checking are separate steps: :func:`split` only reads
the structure; the caller picks the key (from the trust bundle, never from the
header) and calls :func:`check_signature`.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from keys import PublicKey, verify_signature
from verifier._errors import BadEncoding, BadSignature, MalformedCredential, TooLarge

_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
# The last character of an unpadded part leaves 4 (length % 4 == 2) or 2 (== 3)
# bits unused; canonical encoders set them to zero, so only these characters fit.
_CANONICAL_LAST = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}
# Parsed headers by their encoded form: a verifier sees the same few headers (one per
# key) again and again, and JSON parsing them each time is a large share of the work.
_HEADERS: dict[str, Any] = {}
_MAX_CACHED_HEADERS = 256

#: Longest compact JWS accepted as input (a QR code holds at most 7,089 digits).
MAX_TOKEN_LENGTH = 16_384


@dataclass(slots=True)  # not frozen: built on every verification (see cbqr.CreditEntry)
class CompactJWS:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes


def split(token: str, *, max_length: int = MAX_TOKEN_LENGTH) -> CompactJWS:
    """Parse a compact JWS without trusting any of it."""
    if len(token) > max_length:
        raise TooLarge(f"the token is longer than {max_length} characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedCredential("a compact JWS has three dot-separated parts")
    head, body, sig = parts
    if not head or not sig:
        raise MalformedCredential("the JWS header or signature is empty")
    try:
        payload, signature = _strict_b64url(body), _strict_b64url(sig)
        header = _HEADERS.get(head)
        if header is None:
            header = json.loads(_strict_b64url(head))
            if isinstance(header, dict) and len(_HEADERS) < _MAX_CACHED_HEADERS:
                _HEADERS[head] = header
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadEncoding(f"the JWS is not valid base64url/JSON: {exc}") from None
    except RecursionError:
        # A header of thousands of nested brackets would otherwise escape as a
        # RecursionError, before any signature has been checked.
        raise MalformedCredential("the JWS header nests too deeply") from None
    if not isinstance(header, dict):
        raise MalformedCredential("the JWS header is not a JSON object")
    signing_input = token[: len(head) + 1 + len(body)].encode("ascii")
    return CompactJWS(header, payload, signing_input, signature)


def _strict_b64url(part: str) -> bytes:
    """Decode one JWS part, refusing any spelling but the canonical unpadded one.

    ``base64.urlsafe_b64decode`` skips characters outside the alphabet and ignores
    the unused low bits of the last character, so without this check several
    strings decode to one signature: a changed last digit of a QR code would still
    verify.
    """
    # The standard alphabet's "+", "/" and "=" would pass strict_mode after the
    # translation below; base64url has none of them.
    if "+" in part or "/" in part or "=" in part:
        raise ValueError("a character outside the base64url alphabet")
    rest = len(part) % 4
    if rest == 1:
        raise ValueError("impossible base64url length")
    if rest and part[-1] not in _CANONICAL_LAST[rest]:
        raise ValueError("not canonical unpadded base64url (unused bits set)")
    # strict_mode refuses anything else outside the alphabet (whitespace included).
    raw = part.encode("ascii").translate(_TO_STANDARD)
    return binascii.a2b_base64(raw + b"=="[: 4 - rest if rest else 0], strict_mode=True)


def check_signature(jws: CompactJWS, public: PublicKey, alg: str) -> None:
    """Raise :class:`BadSignature` unless ``public`` signed ``jws`` with ``alg``."""
    try:
        verify_signature(public, alg, jws.signature, jws.signing_input)
    except InvalidSignature:
        raise BadSignature("the signature does not match any trusted key") from None
