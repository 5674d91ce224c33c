"""The body every credential-issuing route shares: issue once per ``Idempotency-Key`` of
the caller, and answer with the issued row in the route's response model.

The routes of ``standard_credentials.py`` (the JWT and SD-JWT forms) and
``data_integrity.py`` (the Data Integrity forms) differ only in the issuing function and
the response model; the key's scope (caller, method, path) and the stored request are
the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel
from sqlmodel import Session

from issuer.api import idempotency
from issuer.models import Credential

__all__ = ["issue_once"]

M = TypeVar("M", bound=BaseModel)


def issue_once(
    request: Request,
    session: Session,
    *,
    actor: str,
    key: str | None,
    body: BaseModel | None,
    model: type[M],
    present: Callable[[Credential], M],
    issue: Callable[[], Credential],
) -> M:
    """``present(issue())``, or the response stored under ``key`` for this caller and path
    (``idempotency_key_reused`` when the same key came with another ``body``)."""
    return idempotency.run(
        session,
        key=key,
        scope=f"{actor} POST {request.url.path}",
        request={} if body is None else body.model_dump(mode="json"),
        model=model,
        produce=lambda: present(issue()),
    )
