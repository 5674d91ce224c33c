"""The trust rules every credential format is checked by: key state, validity dates, status.

``cbqr`` (:func:`verifier.verify`), the VC JWTs (:func:`verifier.verify_ob3`,
:func:`verifier.verify_clr`) and SD-JWT VC presentations
(:func:`verifier.verify_sd_jwt_presentation`) all call these, so a condition has one
rule and one code whatever the format (docs/formats.md §4).
"""

from __future__ import annotations

from datetime import UTC, datetime

from verifier._errors import (
    Expired,
    KeyCompromised,
    KeyRetired,
    NotYetValid,
    Revoked,
    StatusIndexOutOfRange,
    StatusUnavailable,
    Suspended,
)
from verifier._trust import TrustBundle, TrustedKey
from verifier.formats.status_list import REVOKED, SUSPENDED, VALID

__all__ = ["DEFAULT_LEEWAY", "check_dates", "check_key_state", "check_status", "list_id_from_uri"]

#: Clock skew tolerated on nbf and exp, in seconds.
DEFAULT_LEEWAY = 60


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def check_key_state(key: TrustedKey, signed_at: int) -> None:
    """Raise unless ``key`` may vouch for a credential signed (``nbf``) at ``signed_at``.

    ``key_compromised`` when signed at or after the key's compromise (or the key is
    compromised without a time), ``key_retired`` when signed after its retirement.
    ``pending`` keys verify like ``active`` ones.
    """
    if key.status == "active" and key.compromised_since is None:
        return
    signed = datetime.fromtimestamp(signed_at, UTC)
    if key.compromised_since is not None and signed >= key.compromised_since:
        raise KeyCompromised(
            f"key {key.kid[:8]} is compromised since {key.compromised_since.isoformat()}"
        )
    if key.status == "compromised" and key.compromised_since is None:
        raise KeyCompromised(f"key {key.kid[:8]} is compromised")
    if key.retired_at is not None and key.status == "retired" and signed > key.retired_at:
        raise KeyRetired(f"key {key.kid[:8]} was retired before this credential's date")


def check_dates(nbf: int, exp: int | None, now: datetime, leeway: int) -> None:
    """Raise :class:`NotYetValid` / :class:`Expired` outside ``[nbf, exp)`` ± ``leeway`` s."""
    ts = now.timestamp()
    if ts + leeway < nbf:
        raise NotYetValid(f"valid only from {_iso(nbf)}")
    if exp is not None and ts - leeway >= exp:
        raise Expired(f"expired at {_iso(exp)}")


def check_status(trust: TrustBundle, issuer: str, list_id: str, index: int) -> None:
    """Raise unless slot ``index`` of ``issuer``'s list ``list_id`` is valid in the bundle.

    ``status_unavailable`` when the bundle lacks the list, ``malformed``
    (:class:`StatusIndexOutOfRange`) for an index outside it, ``revoked`` for 1,
    ``suspended`` for 2 and ``status_unavailable`` for any other non-zero value: values
    3 and up are application-specific in the Token Status List, and a verifier that
    does not know one must not call the credential valid.
    """
    status_list = trust.status_lists.get((issuer, list_id))
    if status_list is None:
        raise StatusUnavailable(f"the trust bundle has no status list {list_id!r}")
    try:
        value = status_list.get(index)
    except IndexError as exc:
        raise StatusIndexOutOfRange(str(exc)) from None
    if value == VALID:
        return
    if value == REVOKED:
        raise Revoked("the issuer has revoked this credential")
    if value == SUSPENDED:
        raise Suspended("the issuer has suspended this credential")
    raise StatusUnavailable(
        f"status value {value} in list {list_id!r} is not one this verifier knows"
    )


def list_id_from_uri(uri: str) -> str:
    """The list id of a status-list URL ``…/status-lists/{id}[/bitstring|/revocation|/suspension]``.

    The three list credentials of one id are views of the same slots (docs/formats.md).
    """
    parts = [p for p in uri.split("#", 1)[0].split("/") if p]
    if parts and parts[-1] in ("bitstring", "revocation", "suspension"):
        parts.pop()
    if len(parts) < 2 or parts[-2] != "status-lists":
        raise StatusUnavailable(f"{uri!r} is not a creditbank status-list URL")
    return parts[-1]
