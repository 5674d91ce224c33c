"""Offline verification of a ``cbqr`` credential against a trust bundle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature

from keys import ALGORITHMS
from verifier._errors import (
    AlgorithmMismatch,
    BadEncoding,
    BadSignature,
    Expired,
    KeyCompromised,
    KeyRetired,
    MalformedCredential,
    NotYetValid,
    Revoked,
    StatusUnavailable,
    Suspended,
    UnknownIssuer,
    UnknownKey,
    UnsupportedAlgorithm,
)
from verifier._trust import Issuer, TrustBundle, TrustedKey
from verifier.formats import cbqr
from verifier.formats._jws import header_of, split
from verifier.formats.status_list import REVOKED, SUSPENDED, VALID

#: Clock skew tolerated on nbf and exp, in seconds.
DEFAULT_LEEWAY = 60
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
    parts = cbqr.split_qr(data)
    if parts is None:
        jws = split(cbqr.jws_bytes(data))
        alg, kid = _alg_and_kid(jws.header)
        signing_input, payload, signature = jws.signing_input, jws.payload, jws.signature
    else:
        head, signing_input, payload, signature = parts
        checked = _CHECKED_HEADERS.get(head)
        if checked is None:
            checked = _alg_and_kid(header_of(head))
            if len(_CHECKED_HEADERS) < _MAX_CHECKED_HEADERS:
                _CHECKED_HEADERS[head] = checked
        alg, kid = checked
    key = find_key(signature, signing_input, alg, trust.keys_with_prefix(kid))
    cred = cbqr.parse_claims(payload)
    issuer = trust.issuers.get(cred.issuer)
    if issuer is None or key.issuer != cred.issuer:
        raise UnknownIssuer(f"issuer {cred.issuer!r} is not in the trust bundle for this key")
    # The checks below run on every scan; each helper is called only when its quick
    # test fails, and then raises with the code (benchmarks/qr_credential.py).
    if key.status != "active" or key.compromised_since is not None:
        _check_key_state(key, cred.nbf)
    ts = moment.timestamp()
    if ts + leeway < cred.nbf or (cred.exp is not None and ts - leeway >= cred.exp):
        _check_dates(cred, moment, leeway)
    status_list = trust.status_lists.get((cred.issuer, cred.status_list))
    index = cred.status_index
    if status_list is None or not 0 <= index < status_list.size:
        _check_status(cred, trust)
    else:  # StatusList.get inlined: value 0 is valid
        bit = index * status_list.bits
        if (status_list.data[bit >> 3] >> (bit & 7)) & ((1 << status_list.bits) - 1):
            _check_status(cred, trust)
    return VerifiedCredential(cred, issuer, key.kid, moment, trust.generated_at)


# Headers that passed _alg_and_kid, by their encoded form: one or two per issuer key.
_CHECKED_HEADERS: dict[bytes, tuple[str, str]] = {}
_MAX_CHECKED_HEADERS = 256


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


def find_key(
    signature: bytes, signing_input: bytes, alg: str, candidates: list[TrustedKey]
) -> TrustedKey:
    """The trusted key among ``candidates`` whose ``alg`` matches and that made ``signature``."""
    if not candidates:
        raise UnknownKey("no trusted key has this kid")
    fitting = (
        candidates
        if candidates[0].alg == alg and len(candidates) == 1
        else [k for k in candidates if k.alg == alg]
    )
    if not fitting:
        raise AlgorithmMismatch(f"the trusted key is {candidates[0].alg}, the token says {alg}")
    expected = _SIGNATURE_BYTES.get(alg)
    if expected is not None and len(signature) != expected:
        raise MalformedCredential(f"an {alg} signature is {expected} bytes (truncated?)")
    for key in fitting:
        try:
            key.check(signature, signing_input)
        except InvalidSignature:
            continue
        return key
    raise BadSignature("the signature does not match the trusted key")


def _check_key_state(key: TrustedKey, nbf: int) -> None:
    if key.status == "active" and key.compromised_since is None:
        return  # the common case, kept free of datetime work
    signed = datetime.fromtimestamp(nbf, UTC)
    if key.compromised_since is not None and signed >= key.compromised_since:
        raise KeyCompromised(
            f"key {key.kid[:8]} is compromised since {key.compromised_since.isoformat()}"
        )
    if key.status == "compromised" and key.compromised_since is None:
        raise KeyCompromised(f"key {key.kid[:8]} is compromised")
    if key.retired_at is not None and key.status == "retired" and signed > key.retired_at:
        raise KeyRetired(f"key {key.kid[:8]} was retired before this credential's date")


def _check_dates(cred: cbqr.QRCredential, now: datetime, leeway: int) -> None:
    ts = now.timestamp()
    if ts + leeway < cred.nbf:
        raise NotYetValid(f"valid only from {_iso(cred.nbf)}")
    if cred.exp is not None and ts - leeway >= cred.exp:
        raise Expired(f"expired at {_iso(cred.exp)}")


def _check_status(cred: cbqr.QRCredential, trust: TrustBundle) -> None:
    status_list = trust.status_lists.get((cred.issuer, cred.status_list))
    if status_list is None:
        raise StatusUnavailable(f"the trust bundle has no status list {cred.status_list!r}")
    try:
        value = status_list.get(cred.status_index)
    except IndexError as exc:
        raise MalformedCredential(str(exc)) from None
    if value == VALID:
        return
    if value == REVOKED:
        raise Revoked("the issuer has revoked this credential")
    if value == SUSPENDED:
        raise Suspended("the issuer has suspended this credential")
    # Values 3 and up are application-specific in the Token Status List spec; a
    # verifier that does not know one must not call the credential valid.
    raise StatusUnavailable(f"unknown status value {value} in list {cred.status_list!r}")
