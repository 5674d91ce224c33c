"""W3C Bitstring Status List v1.0: the bitstring, its ``encodedList`` and the list credential.

Why hand-written: no maintained Python library reads or writes the W3C bitstring; the list
credential itself is a VC JWT built by PyJWS (:mod:`verifier.formats.vc_jwt`).

Layout: ``status_size`` bits per entry, index 0 at the left-most (most significant) bit
of the first byte, each entry's value read big-endian; GZIP; multibase base64url (``u``
prefix). creditbank lists use ``statusPurpose: "message"`` with ``statusSize: 2``
(0 valid, 1 revoked, 2 suspended — the values of :mod:`verifier.formats.status_list`)
and hold ≥ 131,072 entries. The list credential is a VC JWT (:mod:`vc_jwt`) served at
``GET /status-lists/{id}/bitstring``.

Credentials secured with Data Integrity proofs carry two 1-bit entries instead, which
every Bitstring Status List checker reads (some ignore ``statusSize`` and would misread the
2-bit list): ``statusPurpose: "revocation"`` at ``GET /status-lists/{id}/revocation`` and
``"suspension"`` at ``GET /status-lists/{id}/suspension`` (:func:`purpose_entries`), the
same list id and index as the 2-bit list; their list credentials carry a Data Integrity
proof (:func:`purpose_list_credential`).
"""

from __future__ import annotations

import binascii
import gzip
import zlib
from typing import Any

from keys import b64url
from verifier._errors import BadEncoding, MalformedCredential, TooLarge
from verifier.formats import jws, vc_jwt
from verifier.formats.status_list import REVOKED, SUSPENDED, VALID

STATUS_SIZE = 2
PURPOSE = "message"
#: The statusMessage of every creditbank BitstringStatusListEntry.
STATUS_MESSAGES = [
    {"status": "0x0", "message": "valid"},
    {"status": "0x1", "message": "revoked"},
    {"status": "0x2", "message": "suspended"},
    {"status": "0x3", "message": "unused"},
]
assert (VALID, REVOKED, SUSPENDED) == (0, 1, 2)
_MAX_LIST_BYTES = 16 * 1024 * 1024


def build(size: int, statuses: dict[int, int], status_size: int = STATUS_SIZE) -> bytes:
    """The bitstring of ``size`` entries, all 0 but the given ``{index: value}``."""
    data = bytearray((size * status_size + 7) // 8)
    for index, value in statuses.items():
        if not 0 <= index < size or not 0 <= value < (1 << status_size):
            raise ValueError(f"status {value} at {index} does not fit the list")
        for k in range(status_size):
            if value >> (status_size - 1 - k) & 1:
                bit = index * status_size + k
                data[bit >> 3] |= 0x80 >> (bit & 7)
    return bytes(data)


def get(bitstring: bytes, index: int, status_size: int = STATUS_SIZE) -> int:
    """The value of entry ``index``; ``IndexError`` beyond the end."""
    if index < 0 or (index + 1) * status_size > len(bitstring) * 8:
        raise IndexError(f"status index {index} outside the bitstring")
    value = 0
    for k in range(status_size):
        bit = index * status_size + k
        value = (value << 1) | (bitstring[bit >> 3] >> (7 - (bit & 7)) & 1)
    return value


def encode_list(bitstring: bytes) -> str:
    """``encodedList``: multibase base64url (``u``) of the GZIP-compressed bitstring."""
    # mtime=0 keeps the output reproducible for one list state.
    return "u" + b64url(gzip.compress(bitstring, compresslevel=9, mtime=0))


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``."""
    if not encoded.startswith("u"):
        raise BadEncoding("encodedList must be multibase base64url (prefix 'u')")
    try:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        raw = decompressor.decompress(jws.strict_b64url(encoded[1:]), _MAX_LIST_BYTES)
    except (ValueError, binascii.Error, zlib.error) as exc:
        raise BadEncoding(f"encodedList is not base64url GZIP: {exc}") from None
    if decompressor.unconsumed_tail:
        raise TooLarge("the bitstring inflates beyond the cap")
    return raw


def entry(list_url: str, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` of a credential at ``index`` of the list at ``list_url``."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
        "statusSize": STATUS_SIZE,
        "statusMessage": STATUS_MESSAGES,
    }


#: The 1-bit purposes of Data Integrity credentials, each its own list.
PURPOSES = ("revocation", "suspension")


def purpose_url(list_url: str, purpose: str) -> str:
    """The URL of the ``purpose`` list beside list ``list_url`` (``…/status-lists/{id}``)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown status purpose {purpose!r}")
    return f"{list_url}/{purpose}"


def purpose_entries(list_url: str, index: int) -> list[dict[str, Any]]:
    """The ``credentialStatus`` of a Data Integrity credential: a revocation and a suspension entry.

    ``list_url`` is the list's base URL ``…/status-lists/{id}``.
    """
    return [
        {
            "id": f"{purpose_url(list_url, purpose)}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": purpose_url(list_url, purpose),
        }
        for purpose in PURPOSES
    ]


def purpose_list_credential(
    issuer: dict[str, Any],
    list_url: str,
    purpose: str,
    bitstring: bytes,
    valid_from: int,
    valid_until: int,
) -> dict[str, Any]:
    """The unsigned 1-bit BitstringStatusListCredential of ``purpose`` for list ``list_url``."""
    url = purpose_url(list_url, purpose)
    document = list_credential(issuer, url, bitstring, valid_from, valid_until)
    document["credentialSubject"]["statusPurpose"] = purpose
    return document


def list_credential(
    issuer: dict[str, Any], list_url: str, bitstring: bytes, valid_from: int, valid_until: int
) -> dict[str, Any]:
    """The BitstringStatusListCredential (unsigned) for ``bitstring``."""
    return {
        "@context": [vc_jwt.VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": vc_jwt.iso(valid_from),
        "validUntil": vc_jwt.iso(valid_until),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode_list(bitstring),
        },
    }


def entry_slots(credential: dict[str, Any]) -> list[tuple[str, int]]:
    """``(statusListCredential, index)`` of each status entry (one or a list of entries)."""
    entries: Any = credential.get("credentialStatus")
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list) or not entries:
        raise MalformedCredential("the credential has no usable credentialStatus")
    slots = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            raise MalformedCredential("credentialStatus entries must be BitstringStatusListEntry")
        if entry.get("statusPurpose") not in (*PURPOSES, PURPOSE):
            raise MalformedCredential(f"unknown statusPurpose {entry.get('statusPurpose')!r}")
        index = entry.get("statusListIndex")
        if not isinstance(index, str) or not index.isdigit():
            raise MalformedCredential("statusListIndex must be a string of digits")
        slots.append((str(entry.get("statusListCredential")), int(index)))
    return slots
