"""The page bundle: the verify page's trust, with a directory of the status lists.

Why hand-written: nothing to delegate beyond what ``trust_bundle`` already uses (PyJWS
for the signature, hashlib for the digests).

The verify page (``GET /v1``) embeds this document instead of the whole trust bundle,
which at 50M credentials carries some 380 lists (1.4 MB). It is the trust bundle's
document with ``status_lists`` replaced by ``list_directory``: for each list its id,
issuer, bits, size, the URL it is served at and the SHA-256 of the exact bytes served
there. The list itself (``list_document``) is the trust bundle's list entry
``{"id", "issuer", "bits", "size", "lst"}`` as minified JSON, unsigned: the anchor's
signature over the directory digest vouches for it. Wire form (docs/formats.md §3.6)::

    JWS, flattened JSON, protected header {"alg", "kid", "typ": "cb-page-bundle+json"}
    {"type": "CreditBankPageBundle", "version": 1,
     "generated_at", "next_update", "issuers": [... as in the trust bundle ...],
     "list_directory": [{"id", "issuer", "bits", "size", "url", "sha256"}]}

Its own ``typ`` and ``type`` keep it from being taken for a complete trust bundle
(which would make every status "unavailable"): :func:`trust_bundle.open_bundle` refuses
it, :func:`open_page_bundle` refuses a trust bundle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from verifier._errors import MalformedTrustBundle, StatusUnavailable
from verifier.formats import limits, trust_bundle
from verifier.formats.jws import SignerLike
from verifier.formats.status_list import StatusList

__all__ = [
    "DOCUMENT_TYPE",
    "TYP",
    "VERSION",
    "list_document",
    "open_page_bundle",
    "page_document",
    "read_list",
    "sign_page_bundle",
]

TYP = limits.PAGE_BUNDLE_TYP
DOCUMENT_TYPE = limits.PAGE_BUNDLE_DOCUMENT_TYPE
VERSION = limits.PAGE_BUNDLE_VERSION
#: The members of a directory entry copied from the list it names.
_COPIED = ("id", "issuer", "bits", "size")


def list_document(entry: dict[str, Any]) -> bytes:
    """The bytes served for one list: its trust-bundle entry as minified JSON."""
    document = {name: entry[name] for name in (*_COPIED, "lst")}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def page_document(
    document: dict[str, Any], url_of: Callable[[str], str]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The page document of trust bundle ``document`` and the bytes of each list by id.

    ``url_of(list_id)`` is where the list is served (a path on the page's own origin).
    """
    bodies: dict[str, bytes] = {}
    directory = []
    for entry in document.get("status_lists", []):
        body = list_document(entry)
        bodies[str(entry["id"])] = body
        directory.append(
            {
                **{name: entry[name] for name in _COPIED},
                "url": url_of(str(entry["id"])),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        )
    page = {k: v for k, v in document.items() if k != "status_lists"}
    page.update(type=DOCUMENT_TYPE, version=VERSION, list_directory=directory)
    return page, bodies


def sign_page_bundle(document: dict[str, Any], anchor: SignerLike) -> str:
    """The signed page bundle (flattened JWS JSON) for ``document``."""
    return trust_bundle.sign_document(document, anchor, TYP)


def open_page_bundle(raw: bytes | str, anchor_jwk: dict[str, Any]) -> dict[str, Any]:
    """Check the page bundle's signature against the pinned anchor; return its document."""
    return trust_bundle.open_document(raw, anchor_jwk, TYP, DOCUMENT_TYPE, VERSION)


def read_list(entry: dict[str, Any], body: bytes) -> StatusList:
    """The list ``body`` fetched for directory ``entry``, once its digest matched.

    ``status_unavailable`` when the bytes are not the ones the signed directory names
    (another list, an older or newer version); ``malformed_trust_bundle`` when they are
    but do not hold the list the entry describes.
    """
    if hashlib.sha256(body).hexdigest() != entry.get("sha256"):
        raise StatusUnavailable(f"status list {entry.get('id')!r} is not the one the page trusts")
    try:
        data = json.loads(body)
    except ValueError:
        raise MalformedTrustBundle(f"status list {entry.get('id')!r} is not JSON") from None
    if not isinstance(data, dict) or any(data.get(k) != entry.get(k) for k in _COPIED):
        raise MalformedTrustBundle(f"status list {entry.get('id')!r} is not the one named")
    return StatusList.from_json(data)
