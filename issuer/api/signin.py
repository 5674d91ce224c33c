"""Sign-in off the event loop: argon2 and the throttle run in a small pool of their own.

Each worker has its own executor of ``CREDITBANK_SIGNIN_THREADS`` threads for the work
around a password hash (the throttle's transaction, the account read); the hash itself
runs in the idle-priority hashing process of ``core/password_hashing.py``, which yields
the cores to every other request. The threads keep the requests' priority: a thread
scheduled lower that is preempted while it holds the interpreter lock would stall the
event loop. At most ``CREDITBANK_SIGNIN_QUEUE`` sign-ins wait in a worker; one more is
refused at once with 429 ``too_many_attempts`` and ``Retry-After`` rather than queued
behind work the server cannot drain, so the clients already waiting keep their turn.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from fastapi import Request

from issuer.core import security
from issuer.core.errors import TooManyAttempts
from issuer.core.settings import Settings

__all__ = ["RETRY_AFTER", "executor", "off_loop", "sign_in"]

#: Seconds a client refused by a full queue is asked to wait.
RETRY_AFTER = 1
_created = threading.Lock()
T = TypeVar("T")


def executor(request: Request, settings: Settings) -> ThreadPoolExecutor:
    """The worker's sign-in executor, made on first use."""
    state = request.app.state
    with _created:
        pool: ThreadPoolExecutor | None = getattr(state, "signin_executor", None)
        if pool is None:
            pool = ThreadPoolExecutor(
                max_workers=max(1, settings.signin_threads),
                thread_name_prefix="creditbank-signin",
            )
            state.signin_executor = pool
    return pool


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
    return await off_loop(request, work)


async def off_loop(request: Request, work: Callable[[], T]) -> T:
    """Run ``work`` (argon2 hashing and its transaction) in the sign-in executor;
    ``too_many_attempts`` when ``signin_queue`` of them are already waiting in this worker."""
    settings: Settings = request.app.state.settings
    state = request.app.state
    # Only the event loop's thread reads and writes the count, so it needs no lock.
    waiting: int = getattr(state, "signin_waiting", 0)
    if waiting >= settings.signin_queue:
        raise TooManyAttempts(
            f"too many sign-ins are waiting; try again in {RETRY_AFTER} s",
            retry_after=RETRY_AFTER,
        )
    state.signin_waiting = waiting + 1
    try:
        pool = executor(request, settings)
        return await asyncio.get_running_loop().run_in_executor(pool, work)
    finally:
        state.signin_waiting -= 1
