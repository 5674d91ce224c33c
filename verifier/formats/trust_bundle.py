"""The trust bundle: everything an offline verifier knows, signed by the trust anchor.

Why hand-written (only the JSON envelope): PyJWS writes and reads the compact
serialization, whose three parts the flattened form carries as members.

Wire form (docs/formats.md): a JWS in the flattened JSON serialization (RFC 7515
§7.2.2) ``{"protected", "payload", "signature"}`` whose protected header is
``{"alg", "kid", "typ": "cb-trust-bundle+json"}`` and whose payload is the bundle
document::

    {"type": "CreditBankTrustBundle", "version": 1,
     "generated_at": ISO-8601, "next_update": ISO-8601,
     "issuers": [{"id", "name": {"zh", "en"},
                  "institutions": [{"id", "name": {"zh", "en"}}],
                  "keys": [JWK + {"id", "status", "retired_at", "compromised_since"}],
                  "profile": the issuer Profile (OB 3.0 JSON-LD) its id returns}],
     "status_lists": [{"id", "issuer", "bits", "size", "lst"}]}

:func:`sign_bundle` is the issuer's side; :func:`open_bundle` the verifier's.
"""

from __future__ import annotations

import json
from typing import Any

from keys import InvalidKey, load_public_jwk
from verifier._errors import (
    BadSignature,
    BadTrustBundleSignature,
    MalformedTrustBundle,
    UnsignedTrustBundle,
    VerificationError,
)
from verifier.formats import jws, limits
from verifier.formats.jws import SignerLike

TYP = limits.BUNDLE_TYP
DOCUMENT_TYPE = limits.BUNDLE_DOCUMENT_TYPE
VERSION = limits.BUNDLE_VERSION
#: A bundle larger than this is refused before parsing.
MAX_BUNDLE_BYTES = limits.MAX_BUNDLE_BYTES


def sign_bundle(document: dict[str, Any], anchor: SignerLike) -> str:
    """The signed bundle (flattened JWS JSON) for ``document``."""
    return sign_document(document, anchor, TYP)


def sign_document(document: dict[str, Any], anchor: SignerLike, typ: str) -> str:
    """``document`` signed by the anchor with header ``typ`` (this bundle, the page's)."""
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    # The flattened serialization holds the three parts of the compact one (RFC 7515 §7.2.2).
    protected, body, signature = jws.sign(payload, anchor, {"kid": anchor.kid, "typ": typ}).split(
        "."
    )
    return json.dumps({"protected": protected, "payload": body, "signature": signature}, indent=1)


def open_bundle(raw: bytes | str, anchor_jwk: dict[str, Any]) -> dict[str, Any]:
    """Check the bundle's signature against the pinned anchor and return its document."""
    return open_document(raw, anchor_jwk, TYP, DOCUMENT_TYPE, VERSION)


def open_document(
    raw: bytes | str, anchor_jwk: dict[str, Any], typ: str, document_type: str, version: int
) -> dict[str, Any]:
    """The document of an anchor-signed bundle whose header ``typ`` and document
    ``type`` and ``version`` are the given ones (this bundle, the page's)."""
    if len(raw) > MAX_BUNDLE_BYTES:
        raise MalformedTrustBundle("the trust bundle is too large")
    try:
        outer = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedTrustBundle(f"the trust bundle is not JSON: {exc!r:.200}") from None
    if not isinstance(outer, dict):
        raise MalformedTrustBundle("the trust bundle is not a JSON object")
    if "signature" not in outer or "protected" not in outer:
        raise UnsignedTrustBundle("the trust bundle carries no signature")
    try:
        anchor, alg = load_public_jwk(anchor_jwk)
    except InvalidKey as exc:
        raise MalformedTrustBundle(f"the trust anchor key is not usable: {exc}") from None
    try:
        parts = (str(outer["protected"]), str(outer["payload"]), str(outer["signature"]))
        signed = jws.split(".".join(parts), max_length=MAX_BUNDLE_BYTES, canonical=False)
        document = json.loads(signed.payload)
    except (KeyError, ValueError, VerificationError, RecursionError) as exc:
        raise MalformedTrustBundle(f"the trust bundle JWS is malformed: {exc!r:.200}") from None
    header = signed.header
    if header.get("typ") != typ:
        raise MalformedTrustBundle(f"the trust bundle header must have typ {typ!r}")
    if header.get("alg") != alg:
        raise BadTrustBundleSignature("the bundle's algorithm is not the anchor key's")
    try:
        jws.check_signature(signed, anchor, alg)
    except BadSignature:
        raise BadTrustBundleSignature(
            "the trust bundle is not signed by the pinned anchor"
        ) from None
    if not isinstance(document, dict) or document.get("type") != document_type:
        raise MalformedTrustBundle(f"the bundle document is not a {document_type}")
    if document.get("version") != version:
        raise MalformedTrustBundle(f"unsupported trust bundle version {document.get('version')}")
    return document
