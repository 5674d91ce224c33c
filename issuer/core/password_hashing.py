"""argon2id work that yields the cores to every other request: hashing in a process of its
own, scheduled at idle priority.

A sign-in costs one argon2id verification, about 190 ms of CPU by design. Run in a request
worker's threads, a few clients signing in continuously take the cores from everybody
else: the kernel shares a core fairly between the hashing thread and the event loop, so
every other request waits for its slice. Lowering the priority of the hashing *thread*
is not enough in Python: a low-priority thread that holds the interpreter lock when it is
preempted keeps the event loop's thread waiting for that lock until a core is idle (a
priority inversion). So each request worker sends its argon2 work to a pool of its own
processes (``spawn``, one interpreter lock each), and those processes run under Linux's
``SCHED_IDLE`` policy (nice 19 where that is refused): they get a core only when no
normal request wants it, and a request that wakes up preempts them at once. The hash
parameters stay as they are; only who waits changes.

Across the workers of one installation at most cores − 1 hashes run at once (:func:`configure`):
each hash holds an ``flock`` on one of the lock files in the data directory, which the
kernel lets go of when a process dies. Hand-written because no pure-Python library offers
a counting semaphore shared by processes (``posix_ipc`` is a compiled extension).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "PROCESSES",
    "configure",
    "dummy_hash",
    "hash_password",
    "hashing_process",
    "needs_rehash",
    "verify",
]

# argon2id with one of OWASP's recommended settings (46 MiB, one pass, one lane) rather
# than argon2-cffi's RFC 9106 default (64 MiB, three passes, four lanes). OWASP's password
# storage guidance rates its settings as equally strong; this one is about a quarter of the
# work per sign-in here, and one lane keeps a sign-in on one core, so sign-ins cannot
# take every core from the other requests. Hashes made with the old settings still verify
# and are rehashed at sign-in.
_hasher = PasswordHasher(time_cost=1, memory_cost=47_104, parallelism=1)

#: Hashing processes per request worker.
PROCESSES = 1
#: How often a hashing process checks that its request worker still runs.
PARENT_CHECK_SECONDS = 1.0

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_pid = 0
#: Lock files of the installation's hashing slots (empty: no limit across processes).
_slots: tuple[Path, ...] = ()


def configure(lock_dir: Path | None, slots: int | None = None) -> None:
    """Share at most ``slots`` (default: one fewer than the cores, at least one) concurrent
    hashes among every worker of the installation whose data directory is ``lock_dir``;
    ``None`` lifts the limit. Takes effect for hashing processes started afterwards."""
    global _slots, _pool
    count = slots or max(1, (os.cpu_count() or 1) - 1)
    wanted = () if lock_dir is None else tuple(lock_dir / f"argon2-{n}.lock" for n in range(count))
    with _lock:
        if wanted != _slots and _pool is not None:
            _pool.shutdown(wait=False)  # its processes know the old slots
            _pool = None
        _slots = wanted


@contextlib.contextmanager
def _slot(paths: tuple[Path, ...]) -> Iterator[None]:
    # flock: held by this process, let go by the kernel if it dies. Take a free slot, else
    # wait for one (by process id, so the waiting spreads over the slots).
    if not paths:
        yield
        return
    handles = []
    try:
        for path in paths:
            try:
                handle = path.open("a")
            except OSError:  # the data directory went away: hash without the limit
                continue
            handles.append(handle)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            yield
            return
        if handles:
            fcntl.flock(handles[os.getpid() % len(handles)], fcntl.LOCK_EX)
        yield
    finally:
        for handle in handles:
            handle.close()  # closing lets go of its lock


def _start_hashing_process(parent: int, slots: tuple[Path, ...]) -> None:
    global _slots
    _slots = slots
    # Runs first in each hashing process. SCHED_IDLE needs no privilege on Linux; where it
    # is missing or refused, the lowest nice value is the next best thing.
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, 0, 19)
    # The pool's queue never reports a parent that was killed (each process holds both ends
    # of its pipe), so a process whose worker is gone ends itself.
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()


def _end_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _executor() -> ProcessPoolExecutor:
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ProcessPoolExecutor(
                max_workers=PROCESSES,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_hashing_process,
                initargs=(os.getpid(), _slots),
            )
            _pool_pid = os.getpid()
        return _pool


def _verify_in_process(stored: str, password: str) -> bool:
    with _slot(_slots):
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


def _hash_in_process(password: str) -> str:
    with _slot(_slots):
        return _hasher.hash(password)


def verify(stored: str, password: str) -> bool:
    """Whether ``password`` matches the argon2id hash ``stored`` (never raises on a mismatch
    or a malformed hash). Blocks the calling thread, not the interpreter."""
    return _executor().submit(_verify_in_process, stored, password).result()


def hash_password(password: str) -> str:
    """A new argon2id hash of ``password`` (blocks the calling thread)."""
    return _executor().submit(_hash_in_process, password).result()


def _hashing_process_in_process() -> tuple[int, int]:
    return os.getpid(), os.sched_getscheduler(0)


def hashing_process() -> tuple[int, int]:
    """The process id and Linux scheduling policy of a hashing process (for checks)."""
    return _executor().submit(_hashing_process_in_process).result()


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with other parameters than today's (cheap, no hashing)."""
    return _hasher.check_needs_rehash(stored)


@functools.cache
def dummy_hash() -> str:
    """A hash of no one's password, to verify against when there is none, so an unknown
    account costs as much as a wrong password and reveals nothing by timing."""
    return _hasher.hash("creditbank-no-password")
