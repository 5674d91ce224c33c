"""Sign-in throttling kept in Redis (``CREDITBANK_REDIS_URL``) instead of the database.

The same policy as :mod:`issuer.core.throttle` (same settings, same ``Limit`` keys), each
attempt counted against every key by one Lua script, which Redis runs atomically: while
any key is locked nothing is counted and the script answers with the wait; otherwise
every key's count goes up (from zero again once ``window`` has passed) and a key at or
beyond its free attempts is locked for ``base × 2^(n − free)`` seconds, at most ``max``.
A key expires from Redis when its window and lock have passed. Locks are written to the
audit trail in the database, as with the database backend.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Final

from redis import Redis
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.core.errors import TooManyAttempts
from issuer.core.settings import Settings
from issuer.core.throttle import Limit, record_lock
from issuer.models import utcnow

__all__ = ["count_attempt", "succeeded"]

# KEYS: the throttle keys. ARGV: now_ms, window_ms, base_ms, max_ms, then free per key.
# Answers {-1, wait_ms} when a key is locked, else {attempts_1, lock_ms_1, …}.
_COUNT: Final = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local base, cap = tonumber(ARGV[3]), tonumber(ARGV[4])
local wait = 0
for i, key in ipairs(KEYS) do
  local locked = tonumber(redis.call('HGET', key, 'locked_until') or '0')
  if locked > now and locked - now > wait then wait = locked - now end
end
if wait > 0 then return {-1, wait} end
local out = {}
for i, key in ipairs(KEYS) do
  local free = tonumber(ARGV[4 + i])
  local attempts = tonumber(redis.call('HGET', key, 'attempts') or '0')
  local last = tonumber(redis.call('HGET', key, 'last') or '0')
  if now - last > window then attempts = 0 end
  attempts = attempts + 1
  local lock = 0
  if attempts >= free then
    lock = math.min(cap, base * 2 ^ math.min(attempts - free, 32))
    redis.call('HSET', key, 'locked_until', now + lock)
  end
  redis.call('HSET', key, 'attempts', attempts, 'last', now)
  redis.call('PEXPIRE', key, window + lock)
  out[2 * i - 1] = attempts
  out[2 * i] = lock
end
return out
"""

# KEYS[1]: the account (forgotten); KEYS[2…]: addresses (one attempt taken back).
_SUCCEEDED: Final = """
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
  local attempts = tonumber(redis.call('HGET', KEYS[i], 'attempts') or '0')
  if attempts > 0 then redis.call('HSET', KEYS[i], 'attempts', attempts - 1) end
end
return 1
"""


def _name(settings: Settings, limit: Limit) -> str:
    return f"{settings.redis_prefix}:signin:{limit.key}"


def count_attempt(
    client: Redis,
    engine: Engine,
    settings: Settings,
    keys: list[Limit],
    *,
    now: datetime | None = None,
) -> None:
    """Count one sign-in attempt against every key; :class:`TooManyAttempts` if one is locked."""
    moment = now or utcnow()
    now_ms = int(moment.timestamp() * 1000)
    args: list[Any] = [
        now_ms,
        settings.signin_window_seconds * 1000,
        settings.signin_lock_base_seconds * 1000,
        settings.signin_lock_max_seconds * 1000,
        *(limit.free for limit in keys),
    ]
    answer = client.eval(_COUNT, len(keys), *(_name(settings, k) for k in keys), *args)
    values = [int(v) for v in answer]
    if values[0] == -1:
        retry = max(1, math.ceil(values[1] / 1000))
        raise TooManyAttempts(
            f"too many sign-in attempts; try again in {retry} s", retry_after=retry
        )
    locks = [(k, values[2 * i], values[2 * i + 1]) for i, k in enumerate(keys)]
    if any(lock for _, _, lock in locks):
        with Session(engine) as session:
            for limit, attempts, lock_ms in locks:
                if lock_ms:
                    until = moment + timedelta(milliseconds=lock_ms)
                    record_lock(session, limit, attempts, until)
            session.commit()


def succeeded(client: Redis, settings: Settings, keys: list[Limit]) -> None:
    """After a successful sign-in: forget the account, take the attempt back from the address."""
    client.eval(_SUCCEEDED, len(keys), *(_name(settings, k) for k in keys))
