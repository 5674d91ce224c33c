"""One queue for the writers of a SQLite file, so they take its write lock in turn.

SQLite lets one transaction write at a time; a second writer gets SQLITE_BUSY and its busy
handler sleeps and retries (1, 2, 5 … 100 ms), so under a burst some writers keep losing
the race and wait far longer than the queue in front of them (p99 of writes about 50× the
median at 8 concurrent clients). Here, before the first write of a transaction, the
connection takes an exclusive ``flock`` on ``<database>.writers``: the kernel queues the
waiting writers of every worker process and wakes the next one the moment the lock is
released at commit or rollback. Hand-written because the lock must follow SQLAlchemy's
transaction events and block in the kernel; ``filelock`` and the like poll.
"""

from __future__ import annotations

import fcntl
import os
import threading
from typing import Any

from sqlalchemy import Engine, event

__all__ = ["queue_writers"]

_WRITES = ("insert", "update", "delete", "replace", "create", "drop", "alter")
_FD = "creditbank_writer_lock_fd"
# Threads that hold a writer lock: a thread that writes through a second connection while
# its first still holds the lock must not wait for itself; it falls back to SQLite's busy
# timeout, as without the queue. (The release may run on another thread: FastAPI ends a
# dependency in a thread of its own, so this is keyed by the thread that took the lock.)
_holders: set[int] = set()


def queue_writers(engine: Engine, database: str) -> None:
    """Make every transaction on ``engine`` queue for ``database``'s writer lock first."""
    path = f"{database}.writers"

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        info = conn.connection.info
        # Decided once per transaction, at its first write: a connection that wrote without
        # the queue's lock never waits for it later, when it may hold SQLite's own write
        # lock that the queue's holder is waiting for (which would stall both until
        # SQLite's busy timeout).
        if _FD in info or not statement.lstrip()[:7].lower().startswith(_WRITES):
            return
        thread = threading.get_ident()
        if thread in _holders:
            info[_FD] = (None, thread)
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        info[_FD] = (fd, thread)
        _holders.add(thread)

    def _release(record: Any) -> None:
        held = record.info.pop(_FD, None)
        if held is not None and held[0] is not None:
            fd, thread = held
            os.close(fd)  # closing the descriptor releases its flock
            _holders.discard(thread)

    # A session hands its connection back to the pool when its transaction ends (commit
    # or rollback), and the pool resets it then: the lock is held to the end of the write.
    @event.listens_for(engine.pool, "reset")
    def _on_reset(_dbapi_connection: Any, record: Any, _state: Any) -> None:
        _release(record)

    @event.listens_for(engine.pool, "close")
    def _on_close(_dbapi_connection: Any, record: Any) -> None:
        _release(record)

    @event.listens_for(engine.pool, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        _release(record)
