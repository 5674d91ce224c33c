"""Sign-in throttling with its state in Redis (CREDITBANK_REDIS_URL), at 127.0.0.1:6379.

The same policy as the database backend (tests/issuer/test_signin_throttle.py); each test
session uses a key prefix of its own, so runs never see each other's counts.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.app import create_app
from issuer.core import security, throttle, throttle_redis
from issuer.core.errors import TooManyAttempts, Unauthenticated
from issuer.core.settings import Settings
from issuer.models import AuditEvent, utcnow
from tests.issuer.committee_factories import PASSWORD, signed_in_learner
from tests.issuer.factories import problem

pytestmark = pytest.mark.db

REDIS_URL = "redis://127.0.0.1:6379/0"
_addresses = (f"203.0.113.{n}" for n in itertools.count(1))


@pytest.fixture(scope="module")
def redis_settings(settings: Settings) -> Iterator[Settings]:
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"creditbank-test-{uuid.uuid4().hex[:12]}"
    yield settings.model_copy(update={"redis_url": REDIS_URL, "redis_prefix": prefix})
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def redis_client(redis_settings: Settings) -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    client.close()


def test_http_sign_in_locks_through_redis(
    client: TestClient, admin: dict[str, str], redis_settings: Settings, redis_client: Redis
) -> None:
    learner = signed_in_learner(client, admin)
    app = create_app(redis_settings)
    assert app.state.redis is not None
    address = next(_addresses)
    with TestClient(app, client=(address, 50000)) as other_worker:
        body = {"learner_id": learner["id"], "password": "wrong"}
        for _ in range(redis_settings.signin_free_attempts):
            problem(other_worker.post("/auth/token", json=body), 401, "unauthenticated")
        locked = other_worker.post("/auth/token", json={**body, "password": PASSWORD})
        problem(locked, 429, "too_many_attempts")
        assert int(locked.headers["retry-after"]) >= 1
    app.state.engine.dispose()
    key = f"{redis_settings.redis_prefix}:signin:learner:{learner['id']}"
    assert int(redis_client.hget(key, "attempts") or 0) == redis_settings.signin_free_attempts
    assert redis_client.pttl(key) > 0


def test_back_off_doubles_and_success_clears(
    client: TestClient,
    admin: dict[str, str],
    redis_settings: Settings,
    redis_client: Redis,
    engine: Engine,
) -> None:
    learner = signed_in_learner(client, admin)
    address = next(_addresses)
    keys = throttle.limits(redis_settings, learner["id"], address)
    moment = utcnow()
    for _ in range(redis_settings.signin_free_attempts):
        throttle_redis.count_attempt(redis_client, engine, redis_settings, keys, now=moment)
    waits = []
    for _ in range(12):
        with pytest.raises(TooManyAttempts) as info:
            throttle_redis.count_attempt(redis_client, engine, redis_settings, keys, now=moment)
        waits.append(info.value.retry_after)
        moment += timedelta(seconds=info.value.retry_after)
        throttle_redis.count_attempt(redis_client, engine, redis_settings, keys, now=moment)
    assert waits[:6] == [1, 2, 4, 8, 16, 32]
    assert max(waits) == waits[-1] == redis_settings.signin_lock_max_seconds
    moment += timedelta(seconds=redis_settings.signin_lock_max_seconds)
    token = security.sign_in(
        engine, redis_settings, learner["id"], PASSWORD, address, redis=redis_client, now=moment
    )
    assert token.startswith(security.TOKEN_PREFIX)
    assert not redis_client.exists(f"{redis_settings.redis_prefix}:signin:{keys[0].key}")
    with Session(engine) as session:
        locks = session.exec(
            select(AuditEvent).where(
                col(AuditEvent.action) == "signin.locked",
                col(AuditEvent.subject) == keys[0].key,
            )
        ).all()
    # The free attempts' last, the 12 after each wait, and the right password's attempt,
    # counted (and so locked) before its password was checked, then cleared.
    assert len(locks) == 1 + 12 + 1


def test_a_burst_checks_at_most_the_free_attempts(
    client: TestClient,
    admin: dict[str, str],
    redis_settings: Settings,
    redis_client: Redis,
    engine: Engine,
) -> None:
    learner = signed_in_learner(client, admin)
    address = next(_addresses)
    burst = 24
    barrier = threading.Barrier(burst)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            security.sign_in(
                engine, redis_settings, learner["id"], "wrong", address, redis=redis_client
            )
        except Unauthenticated:
            return "checked"
        except TooManyAttempts:
            return "refused"
        return "signed in"

    with ThreadPoolExecutor(burst) as pool:
        outcomes: list[Any] = list(pool.map(attempt, range(burst)))
    assert outcomes.count("checked") == redis_settings.signin_free_attempts
    assert outcomes.count("refused") == burst - redis_settings.signin_free_attempts
