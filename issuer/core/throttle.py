"""Sign-in throttling, shared by every worker through the ``signin_throttle`` table.

Each sign-in attempt is counted *before* its password is checked, per account
(``learner:<id>``) and per client address (``address:<ip>``), in one short transaction of
its own so the count survives the failed sign-in's rollback. Counting is one conditional
``UPDATE … WHERE locked_until <= now RETURNING attempts`` (after an ``INSERT … ON CONFLICT
DO NOTHING`` of the key): the row lock it
takes on PostgreSQL, and the database lock on SQLite, make concurrent attempts queue, so a
burst cannot outrun the limit. The first ``free`` attempts of a key pass; from then on
each attempt locks the key for an exponentially growing time (``base × 2^(n − free)``
seconds, at most ``max``); an attempt while a key is locked is refused with
:class:`~issuer.core.errors.TooManyAttempts` and its ``Retry-After``, without checking
the password. A successful sign-in clears the account's count and takes its attempt back
from the address's (so the address counts failures: one known password does not unlock
an address that guesses at others, and many learners behind one address sign in);
counts of keys left alone for ``window`` seconds start again from zero, and such keys (not
locked) are deleted a batch at a time after each attempt, so addresses seen once do not
pile up in the table. Every lock is written to the audit trail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from issuer.core import audit
from issuer.core.errors import TooManyAttempts
from issuer.core.settings import Settings
from issuer.models import SigninThrottle, utcnow

__all__ = ["Limit", "count_attempt", "limits", "prune", "record_lock", "succeeded"]

# Stale keys deleted after one attempt: more than the keys one attempt can add (two).
PRUNE_BATCH = 50


@dataclass(frozen=True)
class Limit:
    """One throttled key and how many attempts it has before back-off starts."""

    key: str
    free: int


def limits(settings: Settings, learner_id: int, address: str | None) -> list[Limit]:
    """The keys a sign-in of ``learner_id`` from ``address`` counts against."""
    keys = [Limit(f"learner:{learner_id}", settings.signin_free_attempts)]
    if address:
        keys.append(Limit(f"address:{address}"[:80], settings.signin_free_attempts_per_address))
    return keys


def _lock_seconds(settings: Settings, attempts: int, free: int) -> int:
    if attempts < free:
        return 0
    exponent = min(attempts - free, 32)
    return int(
        min(settings.signin_lock_max_seconds, settings.signin_lock_base_seconds * 2**exponent)
    )


def _ensure_row(session: Session, key: str, now: datetime) -> None:
    # INSERT … ON CONFLICT DO NOTHING: two workers meeting a new key both go on to the
    # UPDATE below, which counts them one after the other.
    values = {"key": key, "attempts": 0, "last_attempt_at": now, "locked_until": None}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(pg_insert(SigninThrottle).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite_insert(SigninThrottle).values(values).on_conflict_do_nothing())


def _take(session: Session, settings: Settings, limit: Limit, now: datetime) -> int | None:
    """Count one attempt of ``limit.key``; the new count, or ``None`` when it is locked."""
    for _ in range(2):  # the second time only if a prune deleted the row in between
        _ensure_row(session, limit.key, now)
        counted = _count(session, settings, limit, now)
        if counted is not None or _exists(session, limit.key):
            return counted
    return None


def _exists(session: Session, key: str) -> bool:
    found = session.exec(select(SigninThrottle.key).where(col(SigninThrottle.key) == key))
    return found.first() is not None


def _count(session: Session, settings: Settings, limit: Limit, now: datetime) -> int | None:
    stale = now - timedelta(seconds=settings.signin_window_seconds)
    counted = session.execute(
        update(SigninThrottle)
        .where(
            col(SigninThrottle.key) == limit.key,
            or_(
                col(SigninThrottle.locked_until).is_(None),
                col(SigninThrottle.locked_until) <= now,
            ),
        )
        .values(
            attempts=case(
                (col(SigninThrottle.last_attempt_at) < stale, 1),
                else_=col(SigninThrottle.attempts) + 1,
            ),
            last_attempt_at=now,
        )
        .returning(col(SigninThrottle.attempts))
    ).first()
    return None if counted is None else int(counted[0])


def _retry_after(session: Session, key: str, now: datetime) -> int:
    row = session.get(SigninThrottle, key)
    if row is None or row.locked_until is None:
        return 1
    return max(1, math.ceil((row.locked_until - now).total_seconds()))


def count_attempt(
    engine: Engine, settings: Settings, keys: list[Limit], *, now: datetime | None = None
) -> None:
    """Count one sign-in attempt against every key; :class:`TooManyAttempts` if one is locked.

    Committed at once (its own transaction), whether the sign-in then succeeds or not.
    """
    moment = now or utcnow()
    with Session(engine) as session:
        for limit in keys:
            attempts = _take(session, settings, limit, moment)
            if attempts is None:
                retry = _retry_after(session, limit.key, moment)
                session.rollback()  # a refused attempt counts against no key
                raise TooManyAttempts(
                    f"too many sign-in attempts; try again in {retry} s", retry_after=retry
                )
            seconds = _lock_seconds(settings, attempts, limit.free)
            if seconds:
                until = moment + timedelta(seconds=seconds)
                session.execute(
                    update(SigninThrottle)
                    .where(col(SigninThrottle.key) == limit.key)
                    .values(locked_until=until)
                )
                record_lock(session, limit, attempts, until)
        session.commit()
    prune(engine, settings, now=moment)


def _stale(settings: Settings, now: datetime) -> Any:
    return (
        col(SigninThrottle.last_attempt_at)
        < now - timedelta(seconds=settings.signin_window_seconds),
        or_(col(SigninThrottle.locked_until).is_(None), col(SigninThrottle.locked_until) <= now),
    )


def prune(engine: Engine, settings: Settings, *, now: datetime | None = None) -> int:
    """Delete up to :data:`PRUNE_BATCH` keys left alone for a whole window and not locked
    (their count would start again from zero anyway); how many went. Rows another
    transaction holds are skipped on PostgreSQL, so a prune never waits on a sign-in."""
    moment = now or utcnow()
    with Session(engine) as session:
        keys = session.exec(
            select(SigninThrottle.key)
            .where(*_stale(settings, moment))
            .limit(PRUNE_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if not keys:
            return 0
        session.execute(
            delete(SigninThrottle).where(
                col(SigninThrottle.key).in_(keys), *_stale(settings, moment)
            )
        )
        session.commit()
    return len(keys)


def record_lock(session: Session, limit: Limit, attempts: int, until: datetime) -> None:
    """Audit that ``limit`` is locked until ``until`` after ``attempts`` (every store)."""
    audit.record(
        session,
        actor="system",
        action="signin.locked",
        subject=limit.key[:64],
        payload={"attempts": attempts, "locked_until": until.isoformat()},
    )


def succeeded(engine: Engine, keys: list[Limit]) -> None:
    """After a successful sign-in: forget the account's attempts, and take the attempt
    back from the address (which then counts failures only, so many learners behind one
    address may sign in)."""
    account, *others = keys
    with Session(engine) as session:
        session.execute(delete(SigninThrottle).where(col(SigninThrottle.key) == account.key))
        for limit in others:
            session.execute(
                update(SigninThrottle)
                .where(col(SigninThrottle.key) == limit.key, col(SigninThrottle.attempts) > 0)
                .values(attempts=col(SigninThrottle.attempts) - 1)
            )
        session.commit()
