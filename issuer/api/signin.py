"""Sign-in off the event loop: argon2 and the throttle run in a bounded thread pool.

argon2 takes tens of milliseconds of CPU per attempt by design; run on the event loop (or
in the unbounded default pool) a few clients signing in slow every other request of the
worker. Here each worker runs at most ``CREDITBANK_SIGNIN_THREADS`` sign-ins at once and
the rest wait their turn without holding the loop.
"""

from __future__ import annotations

from functools import partial

import anyio
from fastapi import Request

from issuer.core import security
from issuer.core.settings import Settings

__all__ = ["sign_in"]


def _limiter(request: Request, settings: Settings) -> anyio.CapacityLimiter:
    state = request.app.state
    limiter: anyio.CapacityLimiter | None = getattr(state, "signin_limiter", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(max(1, settings.signin_threads))
        state.signin_limiter = limiter
    return limiter


async def sign_in(request: Request, learner_id: int, password: str) -> str:
    """A learner token for ``learner_id`` and ``password``, throttled; see security.sign_in."""
    settings: Settings = request.app.state.settings
    address = request.client.host if request.client else None
    work = partial(
        security.sign_in,
        request.app.state.engine,
        settings,
        learner_id,
        password,
        address,
        redis=getattr(request.app.state, "redis", None),
    )
    return await anyio.to_thread.run_sync(work, limiter=_limiter(request, settings))
