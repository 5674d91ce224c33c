"""A bounded rerun of requests whose transaction the database aborted (deadlock, serialization).

Each request is one database transaction (``SessionDep``), committed before the response
starts. When PostgreSQL aborts it with a deadlock or a serialization failure (or SQLite's
busy timeout runs out), the database has rolled everything back, so running the whole
request again is safe: nothing it did is left behind, and nothing has been sent to the
client yet. This ASGI middleware buffers the request body, and reruns the request up to
:data:`ATTEMPTS` times with a short, jittered back-off; it never reruns once the
response has started. When every attempt failed, the last error goes on to
:mod:`issuer.api.problems` (503 ``database_busy``).

Hand-written because Starlette and FastAPI have no request-retry middleware.
"""

from __future__ import annotations

import asyncio
import logging
import random

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from issuer.core.db import is_retryable

__all__ = ["ATTEMPTS", "RetryMiddleware"]

#: How many times one request runs at most.
ATTEMPTS = 4
_BASE_DELAY = 0.02

logger = logging.getLogger("issuer.api.retry")


class RetryMiddleware:
    """Rerun a request whose transaction was aborted as a deadlock or serialization failure."""

    def __init__(self, app: ASGIApp, attempts: int = ATTEMPTS) -> None:
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        attempt = 1
        while True:
            exc = await self._attempt(scope, body, receive, send)
            if exc is None:
                return
            if attempt >= self.attempts or not is_retryable(exc):
                raise exc
            logger.warning(
                "%s %s: transaction aborted (%s), attempt %d of %d",
                scope.get("method"),
                scope.get("path"),
                type(getattr(exc, "orig", exc)).__name__,
                attempt,
                self.attempts,
            )
            # Jitter only spreads the reruns apart; it needs no cryptographic randomness.
            await asyncio.sleep(_BASE_DELAY * 2**attempt * random.uniform(0.5, 1.5))  # noqa: S311
            attempt += 1

    async def _attempt(
        self, scope: Scope, body: list[Message], receive: Receive, send: Send
    ) -> Exception | None:
        """Run the request once; None when it finished, else the error it ended with."""
        pending = list(body)
        started = False

        async def replay() -> Message:
            # The buffered body, then whatever the client sends next (a disconnect).
            if pending:
                return pending.pop(0)
            return await receive()

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, replay, tracked)
        except Exception as exc:
            if started:
                raise  # part of the response is sent: never run again
            return exc
        return None


async def _read_body(receive: Receive) -> list[Message]:
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages
