"""``Idempotency-Key`` for POSTs that deposit or issue.

A client that retries a request with the same key gets the stored response instead of a
second deposit or credential. The key is scoped to the caller and the operation; the
request body is hashed, so the same key with a different body is refused with
``idempotency_key_reused`` (422) rather than silently answered with the old response.

Use from a route::

    return idempotency.run(session, key=key, scope=f"{caller} POST {path}",
                           request=data.model_dump(mode="json"),
                           model=Result, produce=lambda: do_it(...))

The stored record is written in the same transaction as the work, so either both commit
or neither does. Concurrent requests with the same key queue on a lock of their own
(:func:`issuer.core.db.lock_key`, taken before the work locks anything else), so the
later ones find the first one's record and replay it; should two still meet at the
unique key, the loser answers 409 ``request_in_progress`` and a retry replays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Header
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.core.audit import payload_hash
from issuer.core.db import lock_key
from issuer.core.errors import IdempotencyKeyReused, RequestInProgress
from issuer.models import IdempotencyRecord

__all__ = ["IdempotencyKeyDep", "run"]

M = TypeVar("M", bound=BaseModel)

IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retry safely: the same key and body return the first response.",
    ),
]


def run(
    session: Session,
    *,
    key: str | None,
    scope: str,
    request: object,
    model: type[M],
    produce: Callable[[], M],
) -> M:
    """Return the response stored under ``(scope, key)``, or ``produce()`` one and store it."""
    if key is None:
        return produce()
    request_hash = payload_hash(request)
    lock_key(session, f"idempotency {scope} {key}")
    existing = session.exec(
        select(IdempotencyRecord).where(
            col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key
        )
    ).first()
    if existing is not None:
        if existing.request_hash != request_hash:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used before with a different request"
            )
        return model.model_validate(existing.response)
    result = produce()
    session.add(
        IdempotencyRecord(
            scope=scope, key=key, request_hash=request_hash, response=result.model_dump(mode="json")
        )
    )
    try:
        session.flush()
    except IntegrityError as exc:
        # A concurrent request with the same key won; this one's work is rolled back.
        raise RequestInProgress(
            "a request with this Idempotency-Key is in progress; retry to get its response"
        ) from exc
    return result
