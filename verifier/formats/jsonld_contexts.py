"""The JSON-LD contexts a verifier reads offline, and the document loader that serves only them.

Canonicalizing a credential (RDFC-1.0, :mod:`verifier.formats.data_integrity`) needs every
context it names. The verifier never fetches one: the VC 2.0, OB 3.0.3 and CLR 2.0.1
contexts and our own ship in ``verifier/formats/contexts/``, and :func:`loader` refuses
any other URL. Our own context is served by each issuer at
``{issuer}/contexts/creditbank-v1.jsonld``, so any URL with that path maps to the bundled
copy (its terms are fixed by name and version, docs/formats.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from verifier._errors import MalformedCredential
from verifier.formats import vc_jwt

__all__ = [
    "BUNDLED",
    "CONTEXT_DIR",
    "CREDITBANK_CONTEXT_FILE",
    "DocumentLoader",
    "bundled_document",
    "failure",
    "loader",
]

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"
CREDITBANK_CONTEXT_FILE = CONTEXT_DIR / "creditbank-v1.jsonld"
#: Context URL -> bundled file name.
BUNDLED: Mapping[str, str] = {
    vc_jwt.VC_CONTEXT: "credentials-v2.jsonld",
    vc_jwt.OB_CONTEXT: "ob-v3p0-3.0.3.json",
    vc_jwt.CLR_CONTEXT: "clr-v2p0-2.0.1.json",
}

#: What PyLD calls to dereference a URL: ``(url, options) -> remote document``.
DocumentLoader = Callable[[str, Any], dict[str, Any]]


@cache
def _read(name: str) -> str:
    return (CONTEXT_DIR / name).read_text("utf-8")


def bundled_document(url: str) -> dict[str, Any] | None:
    """The bundled context at ``url`` (a fresh copy), or ``None`` when none is bundled."""
    if url in BUNDLED:
        text = _read(BUNDLED[url])
    elif url.endswith(vc_jwt.CREDITBANK_CONTEXT_PATH) and url.startswith(("https://", "http://")):
        text = _read(CREDITBANK_CONTEXT_FILE.name)
    else:
        return None
    document: dict[str, Any] = json.loads(text)
    return document


def loader(extra: Mapping[str, dict[str, Any]] | None = None) -> DocumentLoader:
    """A PyLD document loader over the bundled contexts (and ``extra``); never the network.

    Any other URL is :class:`MalformedCredential`: a credential whose terms we cannot
    read offline cannot be canonicalized, hence not verified.
    """

    def load(url: str, options: Any = None) -> dict[str, Any]:
        document = dict(extra[url]) if extra and url in extra else bundled_document(url)
        if document is None:
            raise MalformedCredential(f"context {url!r} is not bundled (no network loader)")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
        }

    return load


def failure(exc: BaseException) -> MalformedCredential:
    """The :class:`MalformedCredential` for a PyLD error: ours when a loader refused."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, MalformedCredential):
            return MalformedCredential(cause.detail)
        cause = getattr(cause, "cause", None) or cause.__cause__ or cause.__context__
    return MalformedCredential(f"the document is not valid JSON-LD: {getattr(exc, 'code', exc)}")
