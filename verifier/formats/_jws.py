"""Compact JWS (RFC 7515) parsing shared by the formats of this package.

Parsing and signature checking are separate steps: :func:`split` only reads
the structure; the caller picks the key (from the trust bundle, never from the
header) and calls :func:`check_signature`.

:func:`split` works on bytes: it checks the whole token against the JWS alphabet
once (one ``bytes.translate``), after which each part only needs its length and
last character checked to be canonical base64url. Every verification runs
through here, so this is kept to a few C-level calls per token.
"""

from __future__ import annotations

import binascii
import json
import json.scanner
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from keys import PublicKey, verify_signature
from verifier._errors import BadEncoding, BadSignature, MalformedCredential, TooLarge
from verifier.formats import limits

_B64URL_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: The characters of a compact JWS: base64url and the dots between its parts.
JWS_ALPHABET = _B64URL_ALPHABET + b"."
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
# The last character of an unpadded part leaves 4 (length % 4 == 2) or 2 (== 3)
# bits unused; canonical encoders set them to zero, so only these characters fit.
_CANONICAL_LAST = {2: frozenset(b"AQgw"), 3: frozenset(b"AEIMQUYcgkosw048")}
_PADDING = (b"", b"", b"==", b"=")
# Parsed headers by their encoded form (see header_of).
_HEADERS: dict[bytes, dict[str, Any]] = {}
_MAX_CACHED_HEADERS = 256

#: Longest compact JWS accepted as input (a QR code holds at most 7,089 digits).
MAX_TOKEN_LENGTH = limits.MAX_TOKEN_LENGTH


@dataclass(slots=True)  # not frozen: built on every verification (see cbqr.CreditEntry)
class CompactJWS:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes


def split(token: str | bytes, *, max_length: int = MAX_TOKEN_LENGTH) -> CompactJWS:
    """Parse a compact JWS without trusting any of it."""
    if len(token) > max_length:
        raise TooLarge(f"the token is longer than {max_length} characters")
    token = ascii_jws(token)
    parts = token.split(b".")
    if len(parts) != 3:
        raise MalformedCredential("a compact JWS has three dot-separated parts")
    head, body, sig = parts
    if not head or not sig:
        raise MalformedCredential("the JWS header or signature is empty")
    try:
        payload, signature = _decode_part(body), _decode_part(sig)
    except (binascii.Error, ValueError) as exc:
        raise BadEncoding(f"the JWS is not valid base64url: {exc}") from None
    return CompactJWS(header_of(head), payload, token[: len(head) + 1 + len(body)], signature)


def header_of(head: bytes) -> dict[str, Any]:
    """The JSON object of an encoded JWS header (already known to be base64url).

    A verifier sees the same few headers (one per key) again and again, so parsed
    headers are kept by their encoded form.
    """
    header = _HEADERS.get(head)
    if header is not None:
        return header
    try:
        header = json.loads(_decode_part(head))
    except (binascii.Error, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise BadEncoding(f"the JWS header is not valid base64url/JSON: {exc}") from None
    except RecursionError:
        # A header of thousands of nested brackets would otherwise escape as a
        # RecursionError, before any signature has been checked.
        raise MalformedCredential("the JWS header nests too deeply") from None
    if not isinstance(header, dict):
        raise MalformedCredential("the JWS header is not a JSON object")
    if len(_HEADERS) < _MAX_CACHED_HEADERS:
        _HEADERS[head] = header
    return header


def ascii_jws(token: str | bytes) -> bytes:
    """``token`` as ASCII bytes, refused unless every character is in the JWS alphabet."""
    if isinstance(token, str):
        try:
            token = token.encode("ascii")
        except UnicodeEncodeError:
            raise BadEncoding("the JWS holds non-ASCII characters") from None
    if token.translate(None, JWS_ALPHABET):
        raise BadEncoding("the JWS holds a character outside the base64url alphabet")
    return token


def _decode_part(part: bytes) -> bytes:
    """One JWS part whose characters are already known to be base64url.

    Only the canonical unpadded spelling is accepted: ``base64.urlsafe_b64decode``
    ignores the unused low bits of the last character, so without this check
    several strings decode to one signature and a changed last digit of a QR code
    would still verify.
    """
    rest = len(part) % 4
    if rest == 1:
        raise ValueError("impossible base64url length")
    if rest and part[-1] not in _CANONICAL_LAST[rest]:
        raise ValueError("not canonical unpadded base64url (unused bits set)")
    return binascii.a2b_base64(part.translate(_TO_STANDARD) + _PADDING[rest], strict_mode=True)


def strict_b64url(part: str | bytes) -> bytes:
    """Decode base64url, refusing any spelling but the canonical unpadded one.

    Raises ``ValueError`` (or its subclass ``binascii.Error``) on anything else:
    padding, whitespace, the standard alphabet's ``+`` and ``/``, set unused bits.
    """
    raw = part.encode("ascii") if isinstance(part, str) else part
    if raw.translate(None, _B64URL_ALPHABET):
        raise ValueError("a character outside the base64url alphabet")
    return _decode_part(raw)


# The JSON decoder's C scanner, bound once: json.loads sniffs the encoding and builds a
# decoder on every call. Input with surrounding whitespace falls back to _DECODE.
_SCAN: Any = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_DECODE = json.JSONDecoder().decode


def loads(text: str | bytes) -> Any:
    """``json.loads`` for the UTF-8 JSON of a JWS part, without its per-call set-up.

    Raises ``ValueError`` (``UnicodeDecodeError`` and ``JSONDecodeError`` included) on
    bad input and ``RecursionError`` on absurd nesting, as ``json.loads`` does.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return _DECODE(text)
    return value if end == len(text) else _DECODE(text)


def check_signature(jws: CompactJWS, public: PublicKey, alg: str) -> None:
    """Raise :class:`BadSignature` unless ``public`` signed ``jws`` with ``alg``."""
    try:
        verify_signature(public, alg, jws.signature, jws.signing_input)
    except InvalidSignature:
        raise BadSignature("the signature does not match any trusted key") from None
