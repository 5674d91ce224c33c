"""The QR credential, ``cbqr`` version 1 (field by field in docs/formats.md §2).

Why hand-written (DEFLATE and the claims): PyJWT has no ``zip``, so the payload is
compressed here and PyJWS signs and reads the compressed bytes as they are.

Wire form: a compact JWS whose header is
``{"alg":"ES256","kid":<8 chars>,"zip":"DEF","typ":"cbqr+jwt"}`` and whose payload
is minified JSON compressed with raw DEFLATE (RFC 1951). In a QR code the JWS is
written as digits (see :mod:`verifier.formats.qr_digits`) after the verify page
URL: ``<base URL>/v1#<digits>``.

This module holds both directions: :func:`encode` (used by the issuer) and
:func:`extract_jws` / :func:`parse_claims` (used by the verifier). Signature
checks and trust decisions live in :mod:`verifier._verify` and :mod:`verifier.rules`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zlib
from dataclasses import dataclass
from typing import Any

from verifier._errors import BadEncoding, MalformedCredential, TooLarge
from verifier.formats import jws, limits
from verifier.formats.jws import SignerLike
from verifier.formats.qr_digits import digits_to_jws, encode_digits

#: The header ``typ`` names the format and its version 1; a version 2 gets a new typ.
TYP = limits.TYP
KID_LENGTH = limits.KID_LENGTH
#: Decoders refuse a payload that inflates beyond this many bytes.
MAX_INFLATED_BYTES = limits.MAX_INFLATED_BYTES
#: Path of the verify page under the verify base URL.
VERIFY_PATH = limits.VERIFY_PATH


# Not frozen: a frozen dataclass costs about 1.5 µs more per construction, and these
# are built on every verification (benchmarks/qr_credential.py). Treat them as values.
@dataclass(slots=True)
class CreditEntry:
    """One recognised achievement and the credits it earned."""

    title: str
    domain: str
    kind: str
    half_credits: int
    hours: int | None
    standard: str
    institution: str
    date: dt.date

    @property
    def credits(self) -> int | float:
        """Credits as a JSON number: 2 or 2.5 (never an inexact float)."""
        return self.half_credits // 2 if self.half_credits % 2 == 0 else self.half_credits / 2


@dataclass(slots=True)
class QRCredential:
    """The claims of a ``cbqr`` credential, with readable names."""

    issuer: str
    jti: str
    nbf: int
    exp: int | None
    name: str
    masked_id: str
    entries: tuple[CreditEntry, ...]
    status_list: str
    status_index: int

    @property
    def total_half_credits(self) -> int:
        return sum(e.half_credits for e in self.entries)


# -- encode ------------------------------------------------------------------------------


def to_claims(cred: QRCredential) -> dict[str, Any]:
    """The short-named JSON claims of ``cred`` (docs/formats.md, "cbqr claims")."""
    claims: dict[str, Any] = {"iss": cred.issuer, "jti": cred.jti, "nbf": cred.nbf}
    if cred.exp is not None:
        claims["exp"] = cred.exp
    claims["n"] = cred.name
    claims["id"] = cred.masked_id
    claims["cr"] = [_entry_claims(e) for e in cred.entries]
    claims["st"] = [cred.status_list, cred.status_index]
    return claims


def _entry_claims(entry: CreditEntry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "t": entry.title,
        "d": entry.domain,
        "k": entry.kind,
        "c": entry.credits,
    }
    if entry.hours is not None:
        out["h"] = entry.hours
    out["s"] = entry.standard
    out["i"] = entry.institution
    out["dt"] = entry.date.isoformat()
    return out


def deflate(data: bytes) -> bytes:
    """Raw DEFLATE (RFC 1951, no zlib header) at the best compression."""
    return zlib.compress(data, 9, wbits=-15)


_DECODER = json.JSONDecoder()
# One encoder for every credential: json.dumps with options builds a new one per call.
_MINIFIED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


_string = json.encoder.encode_basestring  # what _MINIFIED writes for a str


def claims_json(cred: QRCredential) -> str:
    """``_MINIFIED.encode(to_claims(cred))``, written directly.

    Issuance is timed against a bare signature (benchmarks/qr_credential.py) and the
    general encoder costs as much as the rest of it; the claims have a fixed shape, so
    they are written field by field. tests/verifier/test_cbqr_json.py holds the two
    equal.
    """
    exp = "" if cred.exp is None else f',"exp":{int.__repr__(cred.exp)}'
    entries = ",".join([_entry_json(e) for e in cred.entries])
    return (
        f'{{"iss":{_string(cred.issuer)},"jti":{_string(cred.jti)},'
        f'"nbf":{int.__repr__(cred.nbf)}{exp},"n":{_string(cred.name)},'
        f'"id":{_string(cred.masked_id)},"cr":[{entries}],'
        f'"st":[{_string(cred.status_list)},{int.__repr__(cred.status_index)}]}}'
    )


def _entry_json(entry: CreditEntry) -> str:
    half = entry.half_credits
    credits = int.__repr__(half // 2) if half % 2 == 0 else float.__repr__(half / 2)
    hours = "" if entry.hours is None else f',"h":{int.__repr__(entry.hours)}'
    return (
        f'{{"t":{_string(entry.title)},"d":{_string(entry.domain)},'
        f'"k":{_string(entry.kind)},"c":{credits}{hours},"s":{_string(entry.standard)},'
        f'"i":{_string(entry.institution)},"dt":"{entry.date.isoformat()}"}}'
    )


def encode(cred: QRCredential, signer: SignerLike) -> str:
    """Sign ``cred`` with ``signer`` and return the compact JWS."""
    header = {"kid": signer.kid[:KID_LENGTH], "zip": "DEF", "typ": TYP}
    return jws.sign(deflate(claims_json(cred).encode("utf-8")), signer, header)


def issue_qr(cred: QRCredential, signer: SignerLike, base_url: str) -> tuple[str, str]:
    """``(jws, qr_text)``: :func:`encode` and :func:`to_qr_text` in one step."""
    token = encode(cred, signer)
    return token, to_qr_text(token, base_url)


def to_qr_text(token: str, base_url: str) -> str:
    """The QR content: ``<base_url>/v1#<digits>``."""
    return f"{base_url.rstrip('/')}{VERIFY_PATH}#{encode_digits(token)}"


# -- decode ------------------------------------------------------------------------------


def extract_jws(text: str) -> str:
    """The compact JWS held by QR text, a bare digit string or a bare JWS.

    Accepts ``<anything>/v1#<digits>``, ``<digits>`` and ``<header>.<payload>.<sig>``;
    whitespace around the input is ignored.
    """
    token = jws_bytes(text)
    return token if isinstance(token, str) else token.decode("ascii")


def jws_bytes(text: str) -> bytes | str:
    """As :func:`extract_jws`, without decoding the digits' JWS back to ``str``.

    QR digits give ASCII bytes (already checked against the JWS alphabet); a bare
    JWS is returned as it came, for :func:`verifier.formats.jws.split` to check.
    """
    text = text.strip()
    if not text:
        raise MalformedCredential("the input is empty")
    if "#" in text:
        base, _, fragment = text.rpartition("#")
        if not base.endswith(VERIFY_PATH):
            raise MalformedCredential("the URL is not a creditbank verify link (…/v1#digits)")
        return digits_to_jws(fragment)
    if "." in text:
        return text
    if text.isdigit():
        return digits_to_jws(text)
    raise BadEncoding("the input is neither QR digits, a verify link nor a compact JWS")


def inflate(data: bytes, *, max_bytes: int = MAX_INFLATED_BYTES) -> bytes:
    """Inflate raw DEFLATE data, refusing more than ``max_bytes`` of output."""
    decompressor = zlib.decompressobj(-15)
    try:
        out = decompressor.decompress(data, max_bytes)
    except zlib.error as exc:
        raise BadEncoding(f"the payload is not valid DEFLATE data: {exc}") from None
    if decompressor.unconsumed_tail:
        raise TooLarge(f"the payload inflates beyond {max_bytes} bytes")
    if not decompressor.eof:
        raise BadEncoding("the DEFLATE stream is truncated")
    return out


def parse_claims(payload: bytes, *, max_bytes: int = MAX_INFLATED_BYTES) -> QRCredential:
    """Inflate and read the claims of a ``cbqr`` payload (after its signature was checked)."""
    try:
        text = inflate(payload, max_bytes=max_bytes).decode("utf-8")
        claims, end = _DECODER.raw_decode(text)
        if end != len(text):
            raise ValueError("extra data after the claims")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadEncoding(f"the payload is not UTF-8 JSON: {exc}") from None
    except RecursionError:
        raise MalformedCredential("the claims nest too deeply") from None
    return from_claims(claims)


def from_claims(claims: Any) -> QRCredential:
    """Validate the short-named claims and build a :class:`QRCredential`."""
    # Checked field by field with plain type() tests: this runs on every verification
    # and a helper call per field costs more than the rest of the function.
    if type(claims) is not dict:
        raise MalformedCredential("the claims are not a JSON object")
    get = claims.get
    iss, jti, name, masked = get("iss"), get("jti"), get("n"), get("id")
    if not (type(iss) is str and type(jti) is str and type(name) is str and type(masked) is str):
        raise MalformedCredential(_mistyped(claims, _TEXT_CLAIMS, str))
    nbf, exp, entries, status = get("nbf"), get("exp"), get("cr"), get("st")
    if type(entries) is not list or not entries:
        raise MalformedCredential("a credential holds at least one credit entry (cr)")
    if type(status) is not list or len(status) != 2:
        raise MalformedCredential("the status reference (st) is [list id, index]")
    list_id, index = status
    if type(list_id) is not str or type(index) is not int:
        raise MalformedCredential("the status reference (st) is [list id, index]")
    return QRCredential(
        iss,
        jti,
        _time(nbf),
        None if exp is None else _time(exp),
        name,
        masked,
        tuple([_entry(e) for e in entries]),
        list_id,
        index,
    )


_TEXT_CLAIMS = ("iss", "jti", "n", "id")
_TEXT_ENTRY_FIELDS = ("t", "d", "k", "s", "i", "dt")


def _mistyped(data: dict[str, Any], names: tuple[str, ...], kind: type) -> str:
    bad = [n for n in names if type(data.get(n)) is not kind]
    return f"missing or not a {kind.__name__}: {', '.join(bad)}"


def _entry(data: Any) -> CreditEntry:
    if type(data) is not dict:
        raise MalformedCredential("a credit entry is not a JSON object")
    get = data.get
    title, domain, kind, standard, inst, day = (
        get("t"), get("d"), get("k"), get("s"), get("i"), get("dt")
    )  # fmt: skip
    if not (
        type(title) is str
        and type(domain) is str
        and type(kind) is str
        and type(standard) is str
        and type(inst) is str
        and type(day) is str
    ):
        raise MalformedCredential("credit entry " + _mistyped(data, _TEXT_ENTRY_FIELDS, str))
    credits, hours = get("c"), get("h")
    if type(credits) is int:
        half = credits * 2
    elif type(credits) is float and math.isfinite(credits) and (credits * 2).is_integer():
        # json.loads reads NaN, Infinity and 1e999 as floats that int() cannot take.
        half = int(credits * 2)
    else:
        raise MalformedCredential("credits must be a finite multiple of 0.5")
    if half < 0:
        raise MalformedCredential("credits must not be negative")
    if hours is not None and type(hours) is not int:
        raise MalformedCredential("hours must be an integer")
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise MalformedCredential("an entry date is not YYYY-MM-DD") from None
    return CreditEntry(title, domain, kind, half, hours, standard, inst, date)


#: Latest NumericDate accepted (9999-12-31T23:59:59Z): datetime cannot go further.
MAX_NUMERIC_DATE = limits.MAX_NUMERIC_DATE


def _time(value: Any) -> int:
    """A NumericDate that :mod:`datetime` can represent (1970 … 9999)."""
    moment = _int(value)
    if not 0 <= moment <= MAX_NUMERIC_DATE:
        raise MalformedCredential(f"time {moment} lies outside 1970-9999")
    return moment


def _int(value: Any) -> int:
    if type(value) is not int:
        raise MalformedCredential(f"expected an integer, got {type(value).__name__}")
    return value
