"""Sign-in off the event loop: argon2 and the throttle run in a small pool of their own.

argon2 takes tens of milliseconds of CPU per attempt by design; run on the event loop (or
in the pool that also runs every synchronous route) a few clients signing in slow every
other request of the worker. Here each worker has its own executor of
``CREDITBANK_SIGNIN_THREADS`` threads for sign-ins, and those threads run at a lower
scheduling priority (``nice`` +10, where the system allows it): when the cores are busy,
the requests of everybody else go first and a sign-in waits a little longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from fastapi import Request

from issuer.core import security
from issuer.core.settings import Settings

__all__ = ["SIGNIN_NICENESS", "executor", "off_loop", "sign_in"]

#: How much lower than the requests' threads the sign-in threads are scheduled.
SIGNIN_NICENESS = 10
_created = threading.Lock()
T = TypeVar("T")


def _lower_priority() -> None:
    # On Linux a thread has its own nice value; elsewhere, or when refused, it keeps the
    # process's priority and the pool's size alone bounds what sign-ins take.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SIGNIN_NICENESS)


def executor(request: Request, settings: Settings) -> ThreadPoolExecutor:
    """The worker's sign-in executor, made on first use."""
    state = request.app.state
    with _created:
        pool: ThreadPoolExecutor | None = getattr(state, "signin_executor", None)
        if pool is None:
            pool = ThreadPoolExecutor(
                max_workers=max(1, settings.signin_threads),
                thread_name_prefix="creditbank-signin",
                initializer=_lower_priority,
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
    """Run ``work`` (argon2 hashing and its transaction) in the sign-in executor."""
    settings: Settings = request.app.state.settings
    return await asyncio.get_running_loop().run_in_executor(executor(request, settings), work)
