"""SD-JWT VC (RFC 9901 SD-JWT + the SD-JWT VC draft): encoder and decoder side by side.

Why hand-written (disclosures, digests, choosing what to present): the one SD-JWT
library, ``sd-jwt``, signs with jwcrypto rather than PyJWT; the issuer JWT and the
KB-JWT themselves are built and checked by PyJWS (:mod:`verifier.formats.jws`).

Wire form (docs/formats.md, "SD-JWT VC")::

    <issuer-signed JWT>~<disclosure>~…~<disclosure>~[<KB-JWT>]

The issuer-signed JWT has header ``{"alg", "kid", "typ": "dc+sd-jwt"}``; its payload
carries ``_sd`` digest arrays (SHA-256 of the ASCII disclosure), ``"…"`` array-element
digests and ``_sd_alg: "sha-256"``. A disclosure is the base64url of the JSON array
``[salt, name, value]`` (object property) or ``[salt, value]`` (array element).

:func:`conceal` + :func:`issue` are the issuer's side, :func:`present` the holder's,
:func:`parse` + :func:`resolve` + :func:`check_kb_jwt` the verifier's. Nothing here
chooses a key: callers pass a signer or a trusted public key.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from keys import PublicKey, b64url
from verifier._errors import (
    BadEncoding,
    BadSignature,
    HolderBindingFailed,
    MalformedCredential,
    TooLarge,
    UnknownDisclosure,
)
from verifier.formats import jws, limits
from verifier.formats.jws import SignerLike

TYP = limits.SD_JWT_TYP
KB_TYP = limits.SD_JWT_KB_TYP
SD_ALG = limits.SD_JWT_SD_ALG
#: The credit-certificate type (``vct``) of SD-JWT VCs issued before the type became a URL;
#: still accepted by :func:`is_credit_certificate`.
VCT = limits.SD_JWT_VCT_URN
#: Path under the issuer (``iss``) of the credit-certificate type: ``vct`` is
#: ``<iss>/vct/credit-certificate/1``, a URL that returns its SD-JWT VC Type Metadata.
VCT_PATH = limits.SD_JWT_VCT_PATH
#: Claims that are never selectively disclosable (docs/formats.md, SD-JWT VC).
NEVER_DISCLOSABLE = frozenset(
    {"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "iat", "_sd_alg"}
)
#: Longest SD-JWT (with disclosures and KB-JWT) accepted.
MAX_LENGTH = limits.SD_JWT_MAX_LENGTH
_MINIFIED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_json = jws.loads


@dataclass(frozen=True, slots=True)
class Disclosable:
    """Marks a claim value (or array element) as selectively disclosable when issuing."""

    value: Any


# Not frozen: built for every disclosure on every verification (see cbqr.CreditEntry).
@dataclass(slots=True)
class Disclosure:
    encoded: str
    digest: str
    name: str | None
    value: Any


_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


_b64 = b64url


def _b64_bytes(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def _digest(encoded: str) -> str:
    return _b64(hashlib.sha256(encoded.encode("ascii")).digest())


class _Salts:
    """128-bit random salts, drawn from the OS a batch at a time (one call per issuance)."""

    __slots__ = ("_buffer", "_offset")

    def __init__(self) -> None:
        self._buffer, self._offset = b"", 0

    def __call__(self) -> str:
        if self._offset >= len(self._buffer):
            self._buffer, self._offset = secrets.token_bytes(16 * 16), 0
        self._offset += 16
        return _b64(self._buffer[self._offset - 16 : self._offset])


_json_string = json.encoder.encode_basestring  # what _MINIFIED writes for a str


def _json_value(value: Any) -> str:
    """``_MINIFIED.encode(value)``, with the common scalar cases written directly."""
    kind = type(value)
    if kind is str:
        return _json_string(value)
    if kind is int:
        return int.__repr__(value)
    return _MINIFIED.encode(value)


def make_disclosure(name: str | None, value: Any, salt: str | None = None) -> Disclosure:
    """One disclosure; ``name`` None for an array element."""
    salt = salt or _b64(secrets.token_bytes(16))
    # The minified JSON array [salt, name, value] or [salt, value], written directly.
    head = _json_string(salt) if name is None else f"{_json_string(salt)},{_json_string(name)}"
    encoded = _b64_bytes(f"[{head},{_json_value(value)}]".encode())
    digest = _b64(hashlib.sha256(encoded).digest())
    return Disclosure(encoded.decode("ascii"), digest, name, value)


def conceal(claims: Any, out: list[Disclosure], salt: Callable[[], str] | None = None) -> Any:
    """``claims`` with every :class:`Disclosable` replaced by a digest (appended to ``out``)."""
    if isinstance(claims, dict):
        result: dict[str, Any] = {}
        digests: list[str] = []
        for name, value in claims.items():
            if isinstance(value, Disclosable):
                disclosure = make_disclosure(
                    name, _conceal_value(value.value, out, salt), salt() if salt else None
                )
                out.append(disclosure)
                digests.append(disclosure.digest)
            else:
                result[name] = _conceal_value(value, out, salt)
        if digests:
            # Sorted, so the order of digests tells nothing about the order of claims.
            result["_sd"] = sorted(digests)
        return result
    if isinstance(claims, list):
        items: list[Any] = []
        for value in claims:
            if isinstance(value, Disclosable):
                disclosure = make_disclosure(
                    None, _conceal_value(value.value, out, salt), salt() if salt else None
                )
                out.append(disclosure)
                items.append({"...": disclosure.digest})
            else:
                items.append(_conceal_value(value, out, salt))
        return items
    if isinstance(claims, Disclosable):
        raise ValueError("a disclosable value must sit in an object or an array")
    return claims


def _conceal_value(value: Any, out: list[Disclosure], salt: Callable[[], str] | None) -> Any:
    # Plain scalars (most values) need no walk; anything else goes through conceal.
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    return conceal(value, out, salt)


def issue(claims: dict[str, Any], signer: SignerLike, salt: Callable[[], str] | None = None) -> str:
    """The issued SD-JWT (``~``-terminated, all disclosures) of ``claims``."""
    for name in NEVER_DISCLOSABLE:
        if isinstance(claims.get(name), Disclosable):
            raise ValueError(f"claim {name!r} is never selectively disclosable")
    disclosures: list[Disclosure] = []
    payload = conceal(claims, disclosures, salt or _Salts())
    payload["_sd_alg"] = SD_ALG
    jwt = jws.sign(
        _MINIFIED.encode(payload).encode("utf-8"), signer, {"kid": signer.kid, "typ": TYP}
    )
    return jwt + "~" + "".join(d.encoded + "~" for d in disclosures)


def vct_of(issuer: str) -> str:
    """The credit-certificate ``vct`` of the issuer whose ``iss`` is ``issuer``."""
    return issuer.rstrip("/") + VCT_PATH


def is_credit_certificate(payload: dict[str, Any]) -> bool:
    """Whether ``payload`` names our credit-certificate type: the URL form, or the old URN."""
    vct, iss = payload.get("vct"), payload.get("iss")
    return vct == VCT or (isinstance(iss, str) and vct == vct_of(iss))


# -- parsing ----------------------------------------------------------------------------


@dataclass(slots=True)
class SDJWT:
    """A parsed SD-JWT: the issuer JWT, the disclosures and the KB-JWT if any."""

    jwt: str
    disclosures: list[str]
    kb_jwt: str | None

    @property
    def presented(self) -> str:
        """The part the KB-JWT's ``sd_hash`` covers: everything up to the last ``~``."""
        return "~".join([self.jwt, *self.disclosures, ""])


def looks_like_sd_jwt(text: str) -> bool:
    """Whether ``text`` has the ``jwt~…`` shape (used to pick a verifier)."""
    head = text.split("~", 1)[0]
    return "~" in text and head.count(".") == 2


def parse(text: str) -> SDJWT:
    """Split an SD-JWT (issued or presented) into its parts, trusting none of them."""
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise TooLarge(f"the SD-JWT is longer than {MAX_LENGTH} characters")
    parts = text.split("~")
    if len(parts) < 2 or not parts[0]:
        raise MalformedCredential("an SD-JWT is a JWT followed by ~-separated disclosures")
    last = parts[-1]
    disclosures = parts[1:-1]
    if any(not d for d in disclosures):
        raise MalformedCredential("an SD-JWT has an empty disclosure")
    return SDJWT(parts[0], disclosures, last or None)


def decode_disclosures(encoded: list[str]) -> dict[str, Disclosure]:
    """The disclosures by digest; bad encoding or shape raises."""
    out: dict[str, Disclosure] = {}
    sha256, a2b, b2a = hashlib.sha256, binascii.a2b_base64, binascii.b2a_base64
    for item in encoded:
        try:
            raw = item.encode("ascii")
            # Strict mode refuses characters outside the alphabet. Unlike the JWS parts,
            # a disclosure needs no canonical-bits check: its digest is taken over the
            # text as sent, so any other spelling is simply not in the token.
            padded = raw.translate(_TO_STANDARD) + _PADDING[len(raw) % 4]
            data = _json(a2b(padded, strict_mode=True).decode("utf-8"))
        except (binascii.Error, ValueError) as exc:  # incl. Unicode errors, bad JSON
            raise BadEncoding(f"a disclosure is not base64url JSON: {exc}") from None
        if type(data) is not list or not 2 <= len(data) <= 3 or type(data[0]) is not str:
            raise MalformedCredential("a disclosure is [salt, name, value] or [salt, value]")
        if len(data) == 3:
            name = data[1]
            if type(name) is not str or name == "_sd" or name == "...":
                raise MalformedCredential(f"a disclosure has a bad claim name {name!r}")
        else:
            name = None
        # A SHA-256 digest is 32 bytes: 43 base64 characters and one "=".
        digest = b2a(sha256(raw).digest(), newline=False)[:43].translate(_TO_URLSAFE).decode()
        if digest in out:
            raise MalformedCredential("the same disclosure is given twice")
        out[digest] = Disclosure(item, digest, name, data[-1])
    return out


_PADDING = (b"", b"===", b"==", b"=")


@dataclass(slots=True)
class Resolved:
    """The claims with disclosed values in place, and where each disclosure sat."""

    claims: dict[str, Any]
    #: digest → (dotted path, digest of the enclosing disclosure or None)
    paths: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def resolve(payload: dict[str, Any], disclosures: dict[str, Disclosure]) -> Resolved:
    """Put disclosed values in place and record where each disclosure sat.

    Raises :class:`UnknownDisclosure` for a disclosure the token does not reference. A
    digest without a disclosure stays hidden (undisclosed claim or decoy); a disclosure
    whose digest the token does not hold was never signed by the issuer.
    """
    paths: dict[str, tuple[str, str | None]] = {}
    return Resolved(_Walk(disclosures, paths).run(payload), paths)


def disclosed_claims(payload: dict[str, Any], disclosures: dict[str, Disclosure]) -> dict[str, Any]:
    """:func:`resolve` without the paths: what a verifier needs, and all it pays for."""
    return _Walk(disclosures, None).run(payload)


class _Walk:
    """One walk over a payload, replacing digests by the disclosed values.

    With ``paths`` None no dotted paths are built: verification only needs the claims,
    and building a path string for every nested value is most of the walk's cost.
    """

    __slots__ = ("disclosures", "found", "paths", "seen")

    def __init__(
        self, disclosures: dict[str, Disclosure], paths: dict[str, tuple[str, str | None]] | None
    ) -> None:
        self.disclosures, self.paths = disclosures, paths
        self.seen: set[str] = set()
        self.found = 0

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        if "_sd_alg" in payload:  # says how digests were made; not a claim
            payload = {k: v for k, v in payload.items() if k != "_sd_alg"}
        claims: dict[str, Any] = self.object(payload, "", None)
        if self.found != len(self.disclosures):
            stray = len(self.disclosures) - self.found
            raise UnknownDisclosure(f"{stray} disclosure(s) are not referenced by the token")
        return claims

    def take(self, digest: Any) -> Disclosure | None:
        if type(digest) is not str:
            raise MalformedCredential("a digest must be a string")
        if digest in self.seen:
            raise MalformedCredential("a digest appears twice in the token")
        self.seen.add(digest)
        found = self.disclosures.get(digest)
        if found is not None:
            self.found += 1
        return found

    def value(self, node: Any, path: str, parent: str | None) -> Any:
        kind = type(node)
        if kind is dict:
            return self.object(node, path, parent)
        if kind is list:
            return self.array(node, path, parent)
        return node

    def object(self, node: dict[str, Any], path: str, parent: str | None) -> dict[str, Any]:
        tracking = self.paths is not None
        out: dict[str, Any] = {}
        for key, item in node.items():
            if key == "_sd":
                continue
            kind = type(item)
            if kind is dict or kind is list:
                sub = (f"{path}.{key}" if path else key) if tracking else ""
                item = self.value(item, sub, parent)
            out[key] = item
        digests = node.get("_sd")
        if digests is None:
            return out
        if type(digests) is not list:
            raise MalformedCredential("_sd must be an array of digests")
        for digest in digests:
            found = self.take(digest)
            if found is None:
                continue
            name = found.name
            if name is None:
                raise MalformedCredential("an array-element disclosure used for a claim")
            if name in out:
                raise MalformedCredential(f"claim {name!r} is disclosed twice")
            sub = ""
            if self.paths is not None:
                sub = f"{path}.{name}" if path else name
                self.paths[digest] = (sub, parent)
            out[name] = self.value(found.value, sub, digest)
        return out

    def array(self, node: list[Any], path: str, parent: str | None) -> list[Any]:
        items: list[Any] = []
        for item in node:
            kind = type(item)
            if kind is dict and len(item) == 1 and "..." in item:
                found = self.take(item["..."])
                if found is None:
                    continue
                if found.name is not None:
                    raise MalformedCredential("a claim disclosure used for an array element")
                if self.paths is not None:
                    self.paths[found.digest] = (path, parent)
                items.append(self.value(found.value, path, found.digest))
            elif kind is dict or kind is list:
                items.append(self.value(item, path, parent))
            else:
                items.append(item)
        return items


def sd_hash(presented: str) -> str:
    """The KB-JWT ``sd_hash`` of the presented SD-JWT (up to and including the last ``~``)."""
    return _digest(presented)


# -- holder ------------------------------------------------------------------------------


def present(
    issued: str,
    disclose: Collection[str],
    holder: SignerLike,
    *,
    aud: str,
    nonce: str,
    iat: int,
) -> str:
    """A presentation of ``issued`` revealing only the ``disclose`` paths, with a KB-JWT.

    A path is a claim name (``name``, ``credits``) or a dotted path (``entries.hours``);
    disclosing a path discloses what lies below it, and the enclosing disclosures it
    needs (an ``entries`` element for ``entries.hours``).
    """
    parsed = parse(issued)
    issuer_jwt = jws.split(parsed.jwt, max_length=MAX_LENGTH)
    by_digest = decode_disclosures(parsed.disclosures)
    resolved = resolve(json.loads(issuer_jwt.payload), by_digest)
    wanted = tuple(disclose)
    chosen: set[str] = set()
    for digest, (path, _parent) in resolved.paths.items():
        if any(path == w or path.startswith(w + ".") for w in wanted):
            current: str | None = digest
            while current is not None and current not in chosen:
                chosen.add(current)
                current = resolved.paths[current][1]
    kept = SDJWT(parsed.jwt, [d for d in parsed.disclosures if _digest(d) in chosen], None)
    presented = kept.presented
    claims = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash(presented)}
    return presented + jws.sign(_MINIFIED.encode(claims).encode("utf-8"), holder, {"typ": KB_TYP})


def check_kb_jwt(parsed: SDJWT, public: PublicKey, alg: str) -> dict[str, Any]:
    """Check the KB-JWT's signature (with the holder key of ``cnf.jwk``), typ and sd_hash.

    Returns its claims for the caller to check ``aud``, ``nonce`` and ``iat``.
    """
    if parsed.kb_jwt is None:
        raise HolderBindingFailed("the presentation has no key-binding JWT")
    try:
        kb = jws.split(parsed.kb_jwt)
    except (MalformedCredential, BadEncoding) as exc:
        raise HolderBindingFailed(f"the key-binding JWT is unreadable: {exc.detail}") from None
    if kb.header.get("typ") != KB_TYP:
        raise HolderBindingFailed(f"the key-binding JWT typ is {kb.header.get('typ')!r}")
    if kb.header.get("alg") != alg:
        raise HolderBindingFailed(f"the holder key is {alg}, not {kb.header.get('alg')}")
    try:
        jws.check_signature(kb, public, alg)
    except BadSignature:
        raise HolderBindingFailed("the key-binding JWT is not signed by the holder key") from None
    try:
        claims = _json(kb.payload)
    except (ValueError, RecursionError):
        raise HolderBindingFailed("the key-binding JWT payload is not JSON") from None
    if not isinstance(claims, dict):
        raise HolderBindingFailed("the key-binding JWT payload is not an object")
    if claims.get("sd_hash") != sd_hash(parsed.presented):
        raise HolderBindingFailed("sd_hash does not match the presented SD-JWT")
    return claims
