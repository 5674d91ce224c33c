"""Staff sign-in: password (argon2id), then a TOTP code, both throttled.

Both steps count against the sign-in throttle of :mod:`issuer.core.throttle` under the key
``staff:<login>`` and the client address, before any secret is checked; a full sign-in
clears the account's count. A deactivated account is refused like a wrong password.
"""

from __future__ import annotations

from datetime import datetime

from redis import Redis
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.core import audit, security, throttle, throttle_redis
from issuer.core.errors import TotpInvalid, Unauthenticated
from issuer.core.settings import Settings
from issuer.models import StaffAccount, utcnow
from issuer.staff import accounts, totp

__all__ = [
    "accept_code",
    "check_password",
    "count_attempt",
    "enrol",
    "enrolment_secret",
    "limits",
    "succeeded",
    "token_sign_in",
]


def limits(settings: Settings, login: str, address: str | None) -> list[throttle.Limit]:
    """The throttle keys of a staff sign-in."""
    keys = [throttle.Limit(f"staff:{login}"[:80], settings.signin_free_attempts)]
    if address:
        keys.append(
            throttle.Limit(f"address:{address}"[:80], settings.signin_free_attempts_per_address)
        )
    return keys


def count_attempt(
    engine: Engine, settings: Settings, keys: list[throttle.Limit], redis: Redis | None
) -> None:
    """Count one attempt (its own transaction); ``too_many_attempts`` while locked."""
    if redis is None:
        throttle.count_attempt(engine, settings, keys)
    else:
        throttle_redis.count_attempt(redis, engine, settings, keys)


def succeeded(
    engine: Engine, settings: Settings, keys: list[throttle.Limit], redis: Redis | None
) -> None:
    if redis is None:
        throttle.succeeded(engine, keys)
    else:
        throttle_redis.succeeded(redis, settings, keys)


def check_password(session: Session, login: str, password: str) -> StaffAccount:
    """The active account ``login`` names if ``password`` is its; ``unauthenticated`` else.

    Blocking (argon2). Unknown logins cost as much as wrong passwords.
    """
    staff = accounts.find_by_login(session, login)
    matches, rehash = security.check_password(
        staff.password_hash if staff is not None else None, password
    )
    if staff is None or not matches or not staff.active:
        raise Unauthenticated("unknown login or wrong password")
    if rehash:
        staff.password_hash = security.hash_password(password)
        session.add(staff)
    return staff


def accept_code(
    session: Session,
    settings: Settings,
    staff: StaffAccount,
    code: str,
    *,
    now: datetime | None = None,
) -> None:
    """Accept the TOTP ``code`` of an enrolled account (remembering its step); ``totp_invalid``."""
    if staff.totp_sealed is None or staff.totp_enrolled_at is None:
        raise TotpInvalid("this account has no second factor yet")
    secret = totp.unseal(settings, staff.login, staff.totp_sealed)
    staff.totp_last_step = totp.accept_code(secret, code, staff.totp_last_step, now or utcnow())
    session.add(staff)
    session.flush()


def enrolment_secret(session: Session, settings: Settings, staff: StaffAccount) -> str:
    """The secret being enrolled: made (and sealed) the first time it is asked for."""
    if staff.totp_enrolled_at is not None:
        raise TotpInvalid("this account has enrolled its second factor already")
    if staff.totp_sealed is None:
        staff.totp_sealed = totp.seal(settings, staff.login, totp.new_secret())
        session.add(staff)
        session.flush()
    return totp.unseal(settings, staff.login, staff.totp_sealed)


def enrol(
    session: Session,
    settings: Settings,
    staff: StaffAccount,
    code: str,
    *,
    now: datetime | None = None,
) -> None:
    """Activate the pending secret with a valid code from the authenticator app."""
    moment = now or utcnow()
    secret = enrolment_secret(session, settings, staff)
    staff.totp_last_step = totp.accept_code(secret, code, staff.totp_last_step, moment)
    staff.totp_enrolled_at = moment
    session.add(staff)
    session.flush()


def token_sign_in(
    engine: Engine,
    settings: Settings,
    login: str,
    password: str,
    code: str,
    address: str | None,
    *,
    redis: Redis | None = None,
) -> tuple[StaffAccount, str]:
    """Password and TOTP code in one step, for the JSON API: the account and a staff token.

    Throttled like the console's sign-in (the attempt is counted before any secret is
    checked); an account without an enrolled second factor enrols in the console first
    (``totp_invalid``). Blocking (argon2, database): call it from a worker thread.
    """
    keys = limits(settings, login, address)
    count_attempt(engine, settings, keys, redis)
    with Session(engine) as session:
        staff = check_password(session, login, password)
        assert staff.id is not None
        try:
            accept_code(session, settings, staff, code)
        except TotpInvalid as exc:
            audit.record_refusal(
                session,
                actor=f"staff:{staff.id}",
                action="staff.api_totp_failed",
                subject=f"staff:{staff.id}",
                payload={"why": exc.detail},
                summary=f"{login}: a wrong or expired code at API sign-in",
                reason=exc.code,
            )
            raise
        audit.record(
            session,
            actor=f"staff:{staff.id}",
            action="staff.api_token",
            subject=f"staff:{staff.id}",
            payload={"login": staff.login},
            summary=f"{staff.login} signed in to the API",
        )
        session.commit()
        session.refresh(staff)
        token = security.issue_staff_token(settings, staff.id)
    succeeded(engine, settings, keys, redis)
    return staff, token
