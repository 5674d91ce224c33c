"""Sign-in throttling: per account and per client address, shared through the database.

Each test signs in from an address of its own (TestClient's ``client``), so the
address counts of the rest of the suite are untouched.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.api import signin
from issuer.core import password_hashing, security, throttle
from issuer.core.errors import TooManyAttempts, Unauthenticated
from issuer.core.settings import Settings
from issuer.models import AuditEvent, SigninThrottle, utcnow
from tests.issuer.committee_factories import PASSWORD, signed_in_learner
from tests.issuer.factories import problem

pytestmark = pytest.mark.db

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture
def address() -> str:
    return next(_addresses)


@pytest.fixture
def from_address(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


def token(client: TestClient, learner_id: int, password: str) -> Any:
    return client.post("/auth/token", json={"learner_id": learner_id, "password": password})


# Each refused attempt is audited as well: on a busy machine a one-second lock may pass.
@pytest.mark.usefixtures("long_locks")
def test_account_locks_after_the_free_attempts_and_refuses_even_the_right_password(
    client: TestClient,
    from_address: TestClient,
    admin: dict[str, str],
    settings: Settings,
    engine: Engine,
) -> None:
    learner = signed_in_learner(client, admin)
    for _ in range(settings.signin_free_attempts):
        problem(token(from_address, learner["id"], "wrong password"), 401, "unauthenticated")
    for password in ("wrong password", PASSWORD):
        response = token(from_address, learner["id"], password)
        body = problem(response, 429, "too_many_attempts")
        assert "access_token" not in body
        assert 1 <= int(response.headers["retry-after"]) <= settings.signin_lock_base_seconds
    with Session(engine) as session:
        locks = session.exec(
            select(AuditEvent).where(
                col(AuditEvent.action) == "signin.locked",
                col(AuditEvent.subject) == f"learner:{learner['id']}",
            )
        ).all()
        assert len(locks) == 1


@pytest.fixture
def long_locks(settings: Settings) -> Iterator[None]:
    """Locks of a minute: a page's sign-in (argon2 at idle priority on a busy machine) may take
    longer than the one-second first lock of the test settings."""
    base = settings.signin_lock_base_seconds
    settings.signin_lock_base_seconds = 60
    yield
    settings.signin_lock_base_seconds = base


@pytest.mark.usefixtures("long_locks")
def test_the_portal_form_is_throttled_too(
    client: TestClient, app: FastAPI, admin: dict[str, str], settings: Settings, address: str
) -> None:
    learner = signed_in_learner(client, admin)
    browser = TestClient(app, client=(address, 50000))
    page = browser.get("/portal/sign-in")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    form = {"learner_id": str(learner["id"]), "password": "wrong password", "csrf": csrf}
    for _ in range(settings.signin_free_attempts):
        assert browser.post("/portal/sign-in", data=form).status_code == 401
    locked = browser.post("/portal/sign-in", data={**form, "password": PASSWORD})
    assert locked.status_code == 429
    assert "尝试次数过多" in locked.text  # in Chinese, the default language
    assert int(locked.headers["retry-after"]) >= 1


def test_back_off_doubles_up_to_the_cap(
    client: TestClient, admin: dict[str, str], settings: Settings, engine: Engine, address: str
) -> None:
    learner = signed_in_learner(client, admin)
    keys = throttle.limits(settings, learner["id"], address)
    moment = utcnow()
    for _ in range(settings.signin_free_attempts):
        throttle.count_attempt(engine, settings, keys, now=moment)
    waits = []
    for _ in range(12):
        with pytest.raises(TooManyAttempts) as info:  # at once: locked
            throttle.count_attempt(engine, settings, keys, now=moment)
        waits.append(info.value.retry_after)
        moment += timedelta(seconds=info.value.retry_after)
        throttle.count_attempt(engine, settings, keys, now=moment)  # allowed again
    assert waits[:6] == [1, 2, 4, 8, 16, 32]
    assert waits[-1] == settings.signin_lock_max_seconds == max(waits)
    # Once the lock has passed, the right password signs in and clears the account's count.
    moment += timedelta(seconds=settings.signin_lock_max_seconds)
    assert security.sign_in(engine, settings, learner["id"], PASSWORD, address, now=moment)
    with Session(engine) as session:
        assert session.get(SigninThrottle, keys[0].key) is None


def test_an_address_guessing_at_many_accounts_is_locked(
    from_address: TestClient, settings: Settings
) -> None:
    unknown = itertools.count(900_000_000)
    for _ in range(settings.signin_free_attempts_per_address):
        problem(token(from_address, next(unknown), "guess"), 401, "unauthenticated")
    response = token(from_address, next(unknown), "guess")
    problem(response, 429, "too_many_attempts")
    assert int(response.headers["retry-after"]) >= 1


def test_many_learners_sign_in_from_one_address(
    client: TestClient, from_address: TestClient, admin: dict[str, str], settings: Settings
) -> None:
    """Successes do not add up against an address (a school's NAT, a service centre)."""
    learners = [signed_in_learner(client, admin) for _ in range(3)]
    for _round in range(settings.signin_free_attempts_per_address // 3 + 2):
        for learner in learners:
            assert token(from_address, learner["id"], PASSWORD).status_code == 200


def test_a_burst_of_wrong_passwords_checks_at_most_the_free_attempts(
    client: TestClient, admin: dict[str, str], settings: Settings, engine: Engine, address: str
) -> None:
    learner = signed_in_learner(client, admin)
    burst = 24
    barrier = threading.Barrier(burst)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            security.sign_in(engine, settings, learner["id"], "wrong", address)
        except Unauthenticated:
            return "checked"
        except TooManyAttempts:
            return "refused"
        return "signed in"

    with ThreadPoolExecutor(burst) as pool:
        outcomes = list(pool.map(attempt, range(burst)))
    assert outcomes.count("checked") == settings.signin_free_attempts
    assert outcomes.count("refused") == burst - settings.signin_free_attempts
    with Session(engine) as session:
        row = session.get(SigninThrottle, f"learner:{learner['id']}")
        assert row is not None and row.attempts == settings.signin_free_attempts
        assert row.locked_until is not None


def test_counts_are_forgotten_after_the_window(
    client: TestClient, admin: dict[str, str], settings: Settings, engine: Engine, address: str
) -> None:
    learner = signed_in_learner(client, admin)
    moment = utcnow()
    keys = throttle.limits(settings, learner["id"], address)
    for _ in range(settings.signin_free_attempts - 1):
        throttle.count_attempt(engine, settings, keys, now=moment)
    later = moment + timedelta(seconds=settings.signin_window_seconds + 1)
    throttle.count_attempt(engine, settings, keys, now=later)
    with Session(engine) as session:
        row = session.get(SigninThrottle, keys[0].key)
        assert row is not None and (row.attempts, row.locked_until) == (1, None)


def test_sign_ins_run_in_the_bounded_pool(
    app: FastAPI, client: TestClient, admin: dict[str, str], settings: Settings
) -> None:
    """Sign-ins run in the worker's own pool (CREDITBANK_SIGNIN_THREADS), not the loop, on
    threads of the requests' priority (a lower one would stall the loop on the interpreter
    lock)."""
    signed_in_learner(client, admin)
    pool = app.state.signin_executor
    assert pool._max_workers == settings.signin_threads
    niceness = pool.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    assert niceness.result(timeout=10) == os.getpriority(os.PRIO_PROCESS, 0)


def test_argon2_runs_in_another_process_at_idle_priority() -> None:
    """The hash itself runs in a process of its own under SCHED_IDLE, so that any request
    that wants a core preempts it."""
    pid, policy = password_hashing.hashing_process()
    assert pid != os.getpid()
    assert policy == os.SCHED_IDLE
    stored = password_hashing.hash_password("correct horse")
    assert password_hashing.verify(stored, "correct horse")
    assert not password_hashing.verify(stored, "wrong horse")
    assert not password_hashing.verify("not a hash", "correct horse")


def test_hashes_wait_for_the_installations_slot(tmp_path: Path) -> None:
    """At most ``slots`` hashes run at once across the workers of one data directory: while
    another process holds the only slot, a hash waits for it."""
    password_hashing.configure(tmp_path, slots=1)
    try:
        stored = password_hashing.hash_password("correct horse")
        with (tmp_path / "argon2-0.lock").open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            with ThreadPoolExecutor(max_workers=1) as pool:
                waiting = pool.submit(password_hashing.verify, stored, "correct horse")
                with pytest.raises(TimeoutError):
                    waiting.result(timeout=2)
                fcntl.flock(held, fcntl.LOCK_UN)
                assert waiting.result(timeout=60)
    finally:
        password_hashing.configure(None)


def test_a_full_sign_in_queue_refuses_at_once_with_retry_after(
    app: FastAPI, client: TestClient, admin: dict[str, str], from_address: TestClient
) -> None:
    """More sign-ins waiting in a worker than ``signin_queue``: 429 ``too_many_attempts``
    with ``Retry-After``, before any hashing, and the throttle counts nothing."""
    learner = signed_in_learner(client, admin)
    settings: Settings = app.state.settings
    queue = settings.signin_queue
    settings.signin_queue = 0
    try:
        response = token(from_address, learner["id"], PASSWORD)
    finally:
        settings.signin_queue = queue
    problem(response, 429, "too_many_attempts")
    assert int(response.headers["retry-after"]) == signin.RETRY_AFTER
    assert token(from_address, learner["id"], PASSWORD).status_code == 200


def test_keys_left_alone_for_a_window_are_deleted_unless_locked(
    client: TestClient, admin: dict[str, str], settings: Settings, engine: Engine, address: str
) -> None:
    """Addresses seen once do not pile up: an attempt deletes stale keys a batch at a time,
    and keeps the ones still counting or still locked."""
    moment = utcnow() + timedelta(days=3650)  # later than every row other tests left
    window = timedelta(seconds=settings.signin_window_seconds)
    stale = [f"address:stale-test-{n}" for n in range(throttle.PRUNE_BATCH + 5)]
    with Session(engine) as session:
        for key in stale:
            session.add(SigninThrottle(key=key, attempts=3, last_attempt_at=moment - 2 * window))
        session.add(
            SigninThrottle(
                key="address:stale-test-250",
                attempts=9,
                last_attempt_at=moment - 2 * window,
                locked_until=moment + timedelta(minutes=5),
            )
        )
        session.add(
            SigninThrottle(key="address:stale-test-251", attempts=2, last_attempt_at=moment)
        )
        session.commit()
    learner = signed_in_learner(client, admin)
    keys = throttle.limits(settings, learner["id"], address)
    throttle.count_attempt(engine, settings, keys, now=moment)
    throttle.count_attempt(engine, settings, keys, now=moment)
    with Session(engine) as session:
        left = set(session.exec(select(SigninThrottle.key)).all())
    assert not left & set(stale), "two attempts delete up to two batches of stale keys"
    assert {"address:stale-test-250", "address:stale-test-251"} <= left
    assert {k.key for k in keys} <= left
    with Session(engine) as session:
        counted = session.get(SigninThrottle, keys[0].key)
        assert counted is not None and counted.attempts == 2
