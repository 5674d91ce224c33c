"""Offline verification of a ``cbqr`` credential against a trust bundle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from keys import ALGORITHMS
from verifier._errors import (
    AlgorithmMismatch,
    BadEncoding,
    BadSignature,
    MalformedCredential,
    UnknownIssuer,
    UnknownKey,
    UnsupportedAlgorithm,
)
from verifier._trust import Issuer, TrustBundle, TrustedKey
from verifier.formats import cbqr
from verifier.formats.jws import CompactJWS, check_signature, split
from verifier.rules import DEFAULT_LEEWAY, check_dates, check_key_state, check_status

__all__ = ["DEFAULT_LEEWAY", "VerifiedCredential", "find_key", "verify"]

_SIGNATURE_BYTES = {"ES256": 64, "EdDSA": 64}


@dataclass(slots=True)  # not frozen: see cbqr.CreditEntry
class VerifiedCredential:
    """A credential whose signature, key, dates and status all checked out."""

    credential: cbqr.QRCredential
    issuer: Issuer
    kid: str
    #: The verifier's clock for this check, and when the trust bundle was made.
    checked_at: datetime
    bundle_generated_at: datetime

    @property
    def trust_bundle_age_seconds(self) -> int:
        """How old the trust bundle was at the check (whole seconds)."""
        return int((self.checked_at - self.bundle_generated_at).total_seconds())

    def to_json(self) -> dict[str, Any]:
        cred = self.credential
        return {
            "valid": True,
            "error": None,
            "issuer": self.issuer.to_json(),
            "subject": {"name": cred.name, "masked_id": cred.masked_id},
            "credits": _credits(cred.total_half_credits),
            "entries": [self._entry_json(e) for e in cred.entries],
            "jti": cred.jti,
            "kid": self.kid,
            "valid_from": _iso(cred.nbf),
            "valid_until": None if cred.exp is None else _iso(cred.exp),
            "status": {"list": cred.status_list, "index": cred.status_index, "value": "valid"},
            "trust_bundle_age_seconds": self.trust_bundle_age_seconds,
        }

    def _entry_json(self, entry: cbqr.CreditEntry) -> dict[str, Any]:
        inst = self.issuer.institutions.get(entry.institution)
        return {
            "title": entry.title,
            "domain": entry.domain,
            "kind": entry.kind,
            "credits": entry.credits,
            "hours": entry.hours,
            "standard": entry.standard,
            "institution": entry.institution,
            "institution_name_zh": inst.name_zh if inst else None,
            "institution_name_en": inst.name_en if inst else None,
            "date": entry.date.isoformat(),
        }


def _credits(half: int) -> int | float:
    return half // 2 if half % 2 == 0 else half / 2


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def verify(
    data: str | bytes,
    trust: TrustBundle,
    *,
    now: datetime | None = None,
    leeway: int = DEFAULT_LEEWAY,
    max_bundle_age: timedelta | None = None,
) -> VerifiedCredential:
    """Verify a ``cbqr`` credential offline.

    ``data`` is the QR text (``…/v1#digits``), the bare digits or the compact JWS.
    Returns the verified credential or raises a :class:`VerificationError` subclass
    whose ``code`` says why not. The algorithm comes from the trusted key, never
    from the token; the clock is ``now`` (default: the system clock).
    """
    moment = now or datetime.now(UTC)
    if max_bundle_age is not None:
        trust.check_fresh(max_bundle_age, moment)
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadEncoding("the input is not UTF-8 text") from None
    jws = split(cbqr.jws_bytes(data))
    alg, kid = _alg_and_kid(jws.header)
    key = find_key(jws, alg, trust.keys_with_prefix(kid))
    cred = cbqr.parse_claims(jws.payload)
    issuer = trust.issuers.get(cred.issuer)
    if issuer is None or key.issuer != cred.issuer:
        raise UnknownIssuer(f"issuer {cred.issuer!r} is not in the trust bundle for this key")
    check_key_state(key, cred.nbf)
    check_dates(cred.nbf, cred.exp, moment, leeway)
    check_status(trust, cred.issuer, cred.status_list, cred.status_index)
    return VerifiedCredential(cred, issuer, key.kid, moment, trust.generated_at)


def _alg_and_kid(header: dict[str, Any]) -> tuple[str, str]:
    """The ``alg`` and ``kid`` of a ``cbqr`` header, or the error that refuses it."""
    if header.get("typ") != cbqr.TYP or header.get("zip") != "DEF":
        raise MalformedCredential(f"not a cbqr credential (typ {header.get('typ')!r})")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise UnsupportedAlgorithm(f"algorithm {alg!r} is never accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or len(kid) != cbqr.KID_LENGTH:
        raise MalformedCredential("the kid must be the first 8 characters of a key thumbprint")
    return str(alg), kid


def find_key(jws: CompactJWS, alg: str, candidates: list[TrustedKey]) -> TrustedKey:
    """The trusted key among ``candidates`` whose ``alg`` matches and that signed ``jws``.

    The algorithm checked is the key's: ``alg`` (the header's) only selects among keys.
    """
    if not candidates:
        raise UnknownKey("no trusted key has this kid")
    fitting = [k for k in candidates if k.alg == alg]
    if not fitting:
        raise AlgorithmMismatch(f"the trusted key is {candidates[0].alg}, the token says {alg}")
    expected = _SIGNATURE_BYTES.get(alg)
    if expected is not None and len(jws.signature) != expected:
        raise MalformedCredential(f"an {alg} signature is {expected} bytes (truncated?)")
    for key in fitting:
        try:
            check_signature(jws, key.public, key.alg)
        except BadSignature:
            continue
        return key
    raise BadSignature("the signature does not match the trusted key")
