"""Compact JWS (RFC 7515) through PyJWS: build, parse without trusting, check a signature.

Why hand-written (only :func:`ascii_jws` and :func:`strict_b64url`): PyJWS accepts ``=``
padding, so the canonical unpadded spelling every creditbank token must use is checked
here before a token reaches it.

Parsing and signature checking are separate steps: :func:`split` only reads the
structure; the caller picks the key (from the trust bundle, never from the header) and
calls :func:`check_signature` with the algorithm that key carries. :func:`sign` builds a
token with PyJWS; the signature itself comes from the key store's signer, which never
hands out its private key.
"""

from __future__ import annotations

import binascii
import json
import json.scanner
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from jwt import PyJWS
from jwt.algorithms import Algorithm
from jwt.exceptions import DecodeError, InvalidKeyError, InvalidTokenError

from keys import ALGORITHMS, PublicKey
from keys import UnsupportedAlgorithm as KeysUnsupportedAlgorithm
from verifier._errors import (
    AlgorithmMismatch,
    BadEncoding,
    BadSignature,
    MalformedCredential,
    TooLarge,
)
from verifier.formats import limits

__all__ = [
    "JWS_ALPHABET",
    "MAX_TOKEN_LENGTH",
    "CompactJWS",
    "SignerLike",
    "ascii_jws",
    "check_signature",
    "loads",
    "sign",
    "split",
    "strict_b64url",
]

_B64URL_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: The characters of a compact JWS: base64url and the dots between its parts.
JWS_ALPHABET = _B64URL_ALPHABET + b"."
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
# The last character of an unpadded part leaves 4 (length % 4 == 2) or 2 (== 3)
# bits unused; canonical encoders set them to zero, so only these characters fit.
_CANONICAL_LAST = {2: frozenset(b"AQgw"), 3: frozenset(b"AEIMQUYcgkosw048")}
_PADDING = (b"", b"", b"==", b"=")

#: Longest compact JWS accepted as input (a QR code holds at most 7,089 digits).
MAX_TOKEN_LENGTH = limits.MAX_TOKEN_LENGTH


class SignerLike(Protocol):
    """What signs a token: a key store signer or a holder key (``kid``, ``alg``, ``sign``)."""

    kid: str
    alg: str

    def sign(self, data: bytes) -> bytes: ...


@dataclass(slots=True)  # not frozen: built on every verification (see cbqr.CreditEntry)
class CompactJWS:
    """A compact JWS as read by PyJWS, signature not yet checked."""

    token: bytes
    header: dict[str, Any]
    payload: bytes
    signature: bytes

    @property
    def signing_input(self) -> bytes:
        """``BASE64URL(header) "." BASE64URL(payload)``, the bytes the signature covers."""
        return self.token.rpartition(b".")[0]


# -- parse and check ---------------------------------------------------------------------

# Verification only ever uses the algorithms a key may carry (keys.ALGORITHMS); which one
# is allowed for a token is passed in from the trusted key at every check.
_VERIFIER = PyJWS(algorithms=list(ALGORITHMS))
_UNVERIFIED: Any = {"verify_signature": False}


def split(
    token: str | bytes, *, max_length: int = MAX_TOKEN_LENGTH, canonical: bool = True
) -> CompactJWS:
    """Parse a compact JWS without trusting any of it.

    With ``canonical`` (every credential, proof and status token) each part must be the
    canonical unpadded base64url of its bytes; without it (the trust bundle, whose anchor
    signature covers the text as sent) PyJWS's own reading applies, which allows ``=``.
    """
    if len(token) > max_length:
        raise TooLarge(f"the token is longer than {max_length} characters")
    if canonical:
        raw = ascii_jws(token)
    elif isinstance(token, str):
        try:
            raw = token.encode("ascii")
        except UnicodeEncodeError:
            raise BadEncoding("the JWS holds non-ASCII characters") from None
    else:
        raw = token
    parts = raw.split(b".")
    if len(parts) != 3:
        raise MalformedCredential("a compact JWS has three dot-separated parts")
    head, _body, sig = parts
    if not head or not sig:
        raise MalformedCredential("the JWS header or signature is empty")
    try:
        for part in parts if canonical else ():
            _check_canonical(part)
    except ValueError as exc:
        raise BadEncoding(f"the JWS is not valid base64url: {exc}") from None
    try:
        decoded = _VERIFIER.decode_complete(raw, options=_UNVERIFIED)
    except DecodeError as exc:
        raise _header_error(exc) from None
    except InvalidTokenError as exc:  # a kid that is not a string, a crit PyJWS refuses
        raise MalformedCredential(f"the JWS header is not acceptable: {exc}") from None
    return CompactJWS(raw, decoded["header"], decoded["payload"], decoded["signature"])


def _header_error(exc: DecodeError) -> MalformedCredential | BadEncoding:
    """Our code for a header PyJWS could not read (its parts are already canonical)."""
    if isinstance(exc.__cause__, RecursionError):
        # Thousands of nested brackets, refused before any signature has been checked.
        return MalformedCredential("the JWS header nests too deeply")
    if exc.__cause__ is None and "json object" in str(exc):
        return MalformedCredential("the JWS header is not a JSON object")
    if exc.__cause__ is None:
        return MalformedCredential(f"the JWS is not acceptable: {exc}")
    return BadEncoding(f"the JWS header is not valid base64url/JSON: {exc.__cause__}")


def check_signature(jws: CompactJWS, public: PublicKey, alg: str) -> None:
    """Raise unless ``public`` signed ``jws`` with ``alg``, the algorithm the key carries.

    :class:`AlgorithmMismatch` when the header names another algorithm,
    :class:`BadSignature` for a signature that does not verify (or a key that cannot
    make one with ``alg``). The check is the one ``PyJWS.decode`` makes (PyJWT's
    algorithm for ``alg``), on the token :func:`split` has already read.
    """
    if jws.header.get("alg") != alg:
        raise AlgorithmMismatch(f"the key is {alg}, the token says {jws.header.get('alg')!r}")
    try:
        algorithm = _VERIFIER.get_algorithm_by_name(alg)
        key = algorithm.prepare_key(public)
    except (NotImplementedError, InvalidKeyError):
        raise BadSignature(f"the trusted key cannot verify {alg} signatures") from None
    if not algorithm.verify(jws.signing_input, key, jws.signature):
        raise BadSignature("the signature does not match any trusted key")


# -- build -------------------------------------------------------------------------------


class _SignerAlgorithm(Algorithm):
    """One JWS ``alg`` whose signature comes from a :class:`SignerLike` (key store, HSM)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def prepare_key(self, key: Any) -> Any:
        if getattr(key, "alg", None) != self.name:
            raise KeysUnsupportedAlgorithm(f"the signer does not sign with {self.name}")
        return key

    def sign(self, msg: bytes, key: Any) -> bytes:
        signature: bytes = key.sign(msg)
        return signature

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        raise NotImplementedError("verification goes through check_signature")

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        raise NotImplementedError("the signer exports no key")

    @staticmethod
    def from_jwk(jwk: str | dict[str, Any]) -> Any:
        raise NotImplementedError("the signer exports no key")


_BUILDER = PyJWS(algorithms=[])
for _alg in ALGORITHMS:
    _BUILDER.register_algorithm(_alg, _SignerAlgorithm(_alg))


def sign(payload: bytes, signer: SignerLike, header: Mapping[str, Any]) -> str:
    """The compact JWS of ``payload`` (bytes as given) with ``header`` plus the signer's ``alg``.

    Header members are written sorted by name, minified, as PyJWS writes them.
    """
    if "typ" not in header:
        raise ValueError("every creditbank JWS names its typ")
    headers = {**header, "alg": signer.alg}
    return _BUILDER.encode(payload, signer, algorithm=signer.alg, headers=headers)  # type: ignore[arg-type]


# -- strict base64url and JSON -----------------------------------------------------------


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


def _check_canonical(part: bytes) -> None:
    """Refuse a part that is not the canonical unpadded spelling of its bytes.

    ``base64.urlsafe_b64decode`` ignores the unused low bits of the last character and
    PyJWS accepts padding, so without this check several strings would decode to one
    signature and a changed last digit of a QR code would still verify.
    """
    rest = len(part) % 4
    if rest == 1:
        raise ValueError("impossible base64url length")
    if rest and part[-1] not in _CANONICAL_LAST[rest]:
        raise ValueError("not canonical unpadded base64url (unused bits set)")


def strict_b64url(part: str | bytes) -> bytes:
    """Decode base64url, refusing any spelling but the canonical unpadded one.

    Raises ``ValueError`` (or its subclass ``binascii.Error``) on anything else:
    padding, whitespace, the standard alphabet's ``+`` and ``/``, set unused bits.
    """
    raw = part.encode("ascii") if isinstance(part, str) else part
    if raw.translate(None, _B64URL_ALPHABET):
        raise ValueError("a character outside the base64url alphabet")
    _check_canonical(raw)
    rest = len(raw) % 4
    return binascii.a2b_base64(raw.translate(_TO_STANDARD) + _PADDING[rest], strict_mode=True)


# The JSON decoder's C scanner, bound once: json.loads sniffs the encoding and builds a
# decoder on every call. Input with surrounding whitespace falls back to _DECODE.
_SCAN: Any = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_DECODE = json.JSONDecoder().decode


def loads(text: str | bytes) -> Any:
    """``json.loads`` for the UTF-8 JSON of a JWS part or disclosure.

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
