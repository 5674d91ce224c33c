"""Answers with a published document: its ETag, ``If-None-Match`` → 304, ``Cache-Control``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request, Response

from issuer.credentials.publication import Published
from issuer.credentials.status_publication import TTL_SECONDS

__all__ = ["cache_control", "not_modified", "respond"]


def _matches(header: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison against every tag of ``If-None-Match``."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def not_modified(request: Request, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (the client holds it)."""
    return _matches(request.headers.get("if-none-match"), etag)


def cache_control(document: Published, lifetime: timedelta) -> str:
    """Fresh for the status lists' TTL, then usable while revalidating until it expires.

    A cache serves a copy for at most ``TTL_SECONDS`` before it asks again (so a change
    reaches it within that time); ``lifetime`` after the document was generated, it
    must not serve it at all, not even when the server cannot be reached.
    """
    left = int((document.generated_at + lifetime - datetime.now(UTC)).total_seconds())
    left = max(left, 0)
    return f"public, max-age={TTL_SECONDS}, stale-while-revalidate={left}, stale-if-error={left}"


def respond(
    request: Request,
    document: Published,
    lifetime: timedelta,
    headers: dict[str, str] | None = None,
) -> Response:
    """``document`` as stored, or 304 when the client already holds this version."""
    sent = {
        **(headers or {}),
        "ETag": document.etag,
        "Cache-Control": cache_control(document, lifetime),
    }
    if _matches(request.headers.get("if-none-match"), document.etag):
        return Response(status_code=304, headers=sent)
    return Response(document.body, media_type=document.media_type, headers=sent)
