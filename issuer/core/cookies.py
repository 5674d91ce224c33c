"""The cookies the portal and the console set: HttpOnly, scoped to one path, Secure over HTTPS.

Page scripts cannot read them (HttpOnly); other sites' forms do not send the session
cookies (SameSite=Lax) nor the CSRF cookies at all (SameSite=Strict).
"""

from __future__ import annotations

from typing import Literal

from fastapi import Request, Response

__all__ = ["clear_private_cookie", "set_private_cookie"]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_private_cookie(
    response: Response,
    request: Request,
    name: str,
    value: str,
    *,
    path: str,
    samesite: Literal["lax", "strict"] = "lax",
    max_age: int | None = None,
) -> None:
    """Set cookie ``name`` for the pages under ``path`` only."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite=samesite,
        secure=_secure(request),
    )


def clear_private_cookie(
    response: Response,
    request: Request,
    name: str,
    *,
    path: str,
    samesite: Literal["lax", "strict"] = "lax",
) -> None:
    """Remove cookie ``name`` (the attributes must match those it was set with)."""
    response.delete_cookie(
        name, path=path, httponly=True, samesite=samesite, secure=_secure(request)
    )
