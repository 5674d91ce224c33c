"""The employer's verify page, ``GET /v1``, and its static files (docs/formats.md §2).

A phone camera opens ``<verify base URL>/v1#<digits>`` from the QR. The page verifies
the credential in the browser; the digits sit in the URL fragment, which the browser
never sends. The server's part is only to hand out the page with the published signed
trust bundle and the pinned trust-anchor JWK embedded in it (a
``<script type="application/json" id="cb-config">`` block), so that the page, once
cached by its service worker, verifies offline.

The embedded trust comes from the dependency :func:`page_trust`; tests and special
deployments replace it with ``app.dependency_overrides[page_trust] = …`` to serve a
page that trusts other material (the golden vectors' bundles, for instance).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

import verifier
from issuer.api.deps import EngineDep, KeyStoreDep, SettingsDep
from issuer.api.published import not_modified
from issuer.core.errors import NotFound
from issuer.credentials.trust import published_page_bundle, published_page_list
from issuer.credentials.type_metadata import logo_bytes
from verifier.formats import jsonld_contexts
from verifier.formats.limits import limits_json

router = APIRouter(tags=["verify"])

#: The page files, shipped inside the verifier package (they need nothing of the issuer).
STATIC_DIR = Path(verifier.__file__).resolve().parent / "static" / "verify"
_CONFIG_MARKER = "<!--CB-CONFIG-->"
#: The folder under /v1/ of the bundled JSON-LD contexts, read from verifier/formats/contexts/.
_CONTEXTS = "contexts"
#: Where verify.js takes the cbqr limits (verifier/formats/cbqr_limits.json) it shares with Python.
_LIMITS_MARKER = "/*CB-LIMITS*/ null"
#: The cache name in sw.js, replaced by one that changes with the page files.
_CACHE_NAME = "creditbank-verify-dev"
#: Nothing read from a QR may leave the device: the page may talk to its own origin only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self'; img-src 'self' blob: data:; "
    "worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # The service worker keeps its own copy; the HTTP cache must not serve an old bundle.
    "Cache-Control": "no-cache",
}
#: Static files under /v1/ and their media types; nothing else is served.
ASSETS = {
    "verify.js": "text/javascript; charset=utf-8",
    "page.js": "text/javascript; charset=utf-8",
    "photo.js": "text/javascript; charset=utf-8",
    "formats.js": "text/javascript; charset=utf-8",
    "record.js": "text/javascript; charset=utf-8",
    "camera.js": "text/javascript; charset=utf-8",
    "jwt.js": "text/javascript; charset=utf-8",
    "sdjwt.js": "text/javascript; charset=utf-8",
    "verify.css": "text/css; charset=utf-8",
    "sw.js": "text/javascript; charset=utf-8",
    "manifest.webmanifest": "application/manifest+json",
    "vendor/jsQR.js": "text/javascript; charset=utf-8",
    "ldp.js": "text/javascript; charset=utf-8",
    "vendor/jsonld.min.js": "text/javascript; charset=utf-8",
    # The JSON-LD contexts ldp.js canonicalises with (the verifier's bundled copies).
    **{
        f"{_CONTEXTS}/{name}": "application/ld+json"
        for name in sorted(
            {*jsonld_contexts.BUNDLED.values(), jsonld_contexts.CREDITBANK_CONTEXT_FILE.name}
        )
    },
}


@dataclass(frozen=True)
class PageTrust:
    """What the page trusts: the signed bundle text, the pinned anchor JWK, the age limit."""

    bundle: str
    anchor_jwk: dict[str, Any]
    max_age_hours: float


def page_trust(engine: EngineDep, keystore: KeyStoreDep, settings: SettingsDep) -> PageTrust:
    """The installation's published page bundle and its anchor (the default).

    The stored page bundle (:func:`published_page_bundle`, built with ``GET /trust-bundle``):
    keys, issuers and a directory of the status lists, whose lists the page fetches
    when a credential names one (``GET /v1/status-lists/{id}``). Not built for this
    request, and small: the page costs the same at 1k and at 50M credentials.
    """
    return PageTrust(
        bundle=published_page_bundle(engine, keystore, settings).body,
        anchor_jwk=keystore.anchor_jwk(),
        max_age_hours=settings.trust_bundle_max_age_hours,
    )


PageTrustDep = Annotated[PageTrust, Depends(page_trust)]


@cache
def _read(name: str) -> str:
    folder, _, file = name.partition("/")
    if folder == _CONTEXTS:
        return (jsonld_contexts.CONTEXT_DIR / file).read_text("utf-8")
    return (STATIC_DIR / name).read_text("utf-8")


@cache
def _files_version() -> str:
    """A digest of the page files: it names the service worker's cache, so that a new
    release makes browsers fetch the new files instead of keeping the old ones."""
    digest = hashlib.sha256(_read("index.html").encode())
    for name in sorted(ASSETS):
        if name != "sw.js":
            digest.update(_served(name).encode())
    return digest.hexdigest()[:16]


@cache
def _served(name: str) -> str:
    """A page file as served: verify.js with the cbqr limits written in."""
    body = _read(name)
    if name == "verify.js":
        # The JSON file is ours and JSON is a JavaScript expression: verify.js reads the
        # same values as verifier.formats.limits, with no copy to keep in step.
        limits = json.dumps(json.loads(limits_json()), ensure_ascii=False, separators=(",", ":"))
        body = body.replace(_LIMITS_MARKER, limits, 1)
    return body


def render_page(trust: PageTrust) -> str:
    """The page's HTML with ``trust`` embedded as a JSON data block."""
    config = json.dumps(
        {"bundle": trust.bundle, "anchor": trust.anchor_jwk, "maxAgeHours": trust.max_age_hours},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    # "<" escaped keeps a hostile bundle text from closing the <script> element.
    config = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    block = f'<script type="application/json" id="cb-config">{config}</script>'
    return _read("index.html").replace(_CONFIG_MARKER, block, 1)


@router.get(
    "/v1",
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}}, "description": "The verify page."},
        304: {"description": "The page named in If-None-Match is still the current one."},
    },
)
def verify_page(request: Request, trust: PageTrustDep) -> Response:
    """The employer's verify page, with the signed trust bundle and the anchor JWK embedded.

    The credential travels in the URL fragment (``/v1#<digits>``), which browsers never
    send: the server learns nothing about what is verified. The page checks the bundle's
    signature against the embedded anchor, refuses a bundle older than
    ``trust_bundle_max_age_hours`` (``stale_trust_bundle``) and states its verdict in an
    element with ``data-result`` and ``data-error`` (the Python verifier's codes).
    The page carries an ``ETag``: the service worker serves its cached copy at once and
    asks with ``If-None-Match`` in the background, which costs a 304 while the bundle
    has not changed.
    """
    html = render_page(trust)
    etag = '"' + hashlib.sha256(html.encode()).hexdigest()[:40] + '"'
    headers = {**_SECURITY_HEADERS, "ETag": etag}
    if etag in {
        t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")
    }:
        return Response(status_code=304, headers=headers)
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


@router.get(
    "/v1/logo.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The issuer's logo."}},
)
def verify_logo() -> Response:
    """The issuer's logo (its Profile's ``image``) inside the page's scope: the service
    worker keeps it for offline use, and the page asks nothing outside ``/v1``."""
    return Response(logo_bytes(), media_type="image/png", headers=_SECURITY_HEADERS)


@router.get(
    "/v1/status-lists/{list_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "One status list."},
        304: {"description": "The list named in If-None-Match is still the current one."},
    },
)
def verify_page_status_list(
    list_id: str, request: Request, engine: EngineDep, keystore: KeyStoreDep, settings: SettingsDep
) -> Response:
    """One status list as the verify page reads it: ``{"id", "issuer", "bits", "size", "lst"}``.

    The bytes whose SHA-256 the page bundle's ``list_directory`` names (docs/formats.md
    §3.6); the page checks that digest before it reads a slot, so the list needs no
    signature of its own. Served as stored with an ``ETag`` (``If-None-Match`` → 304).
    """
    published = published_page_list(engine, keystore, settings, list_id)
    headers = {**_SECURITY_HEADERS, "ETag": published.etag}
    if not_modified(request, published.etag):
        return Response(status_code=304, headers=headers)
    return Response(published.body, media_type=published.media_type, headers=headers)


@router.get(
    "/v1/{asset:path}",
    response_class=Response,
    responses={200: {"content": {"text/javascript": {}}, "description": "A page file."}},
)
def verify_asset(asset: str) -> Response:
    """A static file of the verify page (script, style sheet, service worker, QR decoder)."""
    media_type = ASSETS.get(asset)
    if media_type is None:
        raise NotFound(f"no verify page file {asset!r}")
    headers = dict(_SECURITY_HEADERS)
    body = _served(asset)
    if asset == "sw.js":
        # The worker controls the whole /v1 scope, page included.
        headers["Service-Worker-Allowed"] = "/v1"
        body = body.replace(_CACHE_NAME, f"creditbank-verify-{_files_version()}", 1)
    return Response(body, media_type=media_type, headers=headers)
