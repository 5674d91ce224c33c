"""Status of a credential from the trust bundle's snapshot of the issuer's status lists."""

from __future__ import annotations

from verifier._errors import Revoked, StatusIndexOutOfRange, StatusUnavailable, Suspended
from verifier._trust import TrustBundle
from verifier.formats.status_list import REVOKED, SUSPENDED


def list_id_from_uri(uri: str) -> str:
    """The list id of a status-list URL ``…/status-lists/{id}[/bitstring]``."""
    parts = [p for p in uri.split("#", 1)[0].split("/") if p]
    if parts and parts[-1] == "bitstring":
        parts.pop()
    if len(parts) < 2 or parts[-2] != "status-lists":
        raise StatusUnavailable(f"{uri!r} is not a creditbank status-list URL")
    return parts[-1]


def check_status(trust: TrustBundle, issuer: str, list_id: str, index: int) -> None:
    """Raise unless slot ``index`` of list ``list_id`` is valid in the bundle's snapshot."""
    status_list = trust.status_lists.get((issuer, list_id))
    if status_list is None:
        raise StatusUnavailable(f"the trust bundle has no status list {list_id!r}")
    if not 0 <= index < status_list.size:
        raise StatusIndexOutOfRange(
            f"status index {index} outside list {list_id} of {status_list.size} entries"
        )
    # StatusList.get inlined: this runs on every verification (benchmarks/status_list.py).
    bit = index * status_list.bits
    value = (status_list.data[bit >> 3] >> (bit & 7)) & ((1 << status_list.bits) - 1)
    if value:
        if value == REVOKED:
            raise Revoked("the issuer has revoked this credential")
        if value == SUSPENDED:
            raise Suspended("the issuer has suspended this credential")
        raise StatusUnavailable(f"status value {value} is not one this verifier knows")
