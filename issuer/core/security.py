"""Secrets of callers: the token prefixes of every role, API-key hashing, and learner
sign-in with argon2id passwords and short-lived HMAC-signed bearer tokens.

Institution API keys (``cbk_…``) and committee member tokens (``cbc_…``) are random and
stored only as their SHA-256 (:func:`api_key_hash`). A learner token is
``cbl_<payload>.<mac>``: ``payload`` is base64url of the minified JSON
``{"sub": <learner id>, "iat": <unix>, "exp": <unix>}`` and ``mac`` base64url of
HMAC-SHA256 over ``payload`` with ``CREDITBANK_SESSION_KEY``. Tokens are stateless, so
any worker verifies them; they expire after ``learner_token_minutes``. Changing the
password does not revoke a token already issued (it lives at most that long).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from redis import Redis
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.core import throttle, throttle_redis
from issuer.core.errors import Unauthenticated
from issuer.core.settings import Settings
from issuer.models import Learner, utcnow
from keys import b64url, b64url_decode

__all__ = [
    "API_KEY_PREFIX",
    "MEMBER_TOKEN_PREFIX",
    "STAFF_TOKEN_PREFIX",
    "TOKEN_PREFIX",
    "api_key_hash",
    "authenticate",
    "check_password",
    "hash_password",
    "issue_staff_token",
    "issue_token",
    "learner_from_token",
    "set_password",
    "sign_in",
    "staff_id_from_token",
]

TOKEN_PREFIX = "cbl_"  # noqa: S105 - a prefix, not a secret
API_KEY_PREFIX = "cbk_"
MEMBER_TOKEN_PREFIX = "cbc_"  # noqa: S105 - a prefix, not a secret
STAFF_TOKEN_PREFIX = "cbs_"  # noqa: S105 - a prefix, not a secret
#: What a staff token's MAC covers before its payload, so that no learner token (whose MAC
#: covers the payload alone) can be turned into a staff token by changing its prefix.
_STAFF_MAC_DOMAIN = "creditbank staff token."
# argon2id with one of OWASP's recommended settings (46 MiB, one pass, one lane) rather
# than argon2-cffi's RFC 9106 default (64 MiB, three passes, four lanes). OWASP's password
# storage guidance rates its settings as equally strong; this one is about a quarter of the
# work per sign-in here, and one lane keeps a sign-in on one core, so sign-ins cannot
# take every core from the other requests. Hashes made with the old settings still verify
# and are rehashed at sign-in.
_hasher = PasswordHasher(time_cost=1, memory_cost=47_104, parallelism=1)
# Verified against when the learner is unknown or has no password, so both cases take
# as long as a wrong password and reveal nothing by timing.
_DUMMY_HASH = _hasher.hash("creditbank-no-password")


def api_key_hash(api_key: str) -> str:
    """SHA-256 hex of an API key or member token, the only form in which they are stored."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """Whether ``password`` matches the argon2id hash ``stored``, and whether that hash should
    be remade with today's settings. ``stored=None`` costs as much as a wrong password."""
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False, False
    if stored is None:
        return False, False
    return True, _hasher.check_needs_rehash(stored)


def set_password(session: Session, learner: Learner, password: str) -> None:
    """Give ``learner`` a new password (the caller commits)."""
    learner.password_hash = hash_password(password)
    session.add(learner)
    session.flush()


def _mac(settings: Settings, payload: str) -> str:
    key = settings.session_key.get_secret_value().encode("utf-8")
    return b64url(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def issue_token(settings: Settings, learner_id: int, *, now: datetime | None = None) -> str:
    """A bearer token for the learner, valid for ``learner_token_minutes``."""
    issued = int((now or utcnow()).timestamp())
    claims = {"sub": learner_id, "iat": issued, "exp": issued + 60 * settings.learner_token_minutes}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    return f"{TOKEN_PREFIX}{payload}.{_mac(settings, payload)}"


def authenticate(session: Session, settings: Settings, learner_id: int, password: str) -> str:
    """Check the learner's password and return a bearer token; ``unauthenticated`` otherwise."""
    learner = session.get(Learner, learner_id)
    stored = learner.password_hash if learner is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        stored = None
    if learner is None or learner.id is None or stored is None:
        raise Unauthenticated("unknown learner or wrong password")
    if _hasher.check_needs_rehash(stored):
        set_password(session, learner, password)
    return issue_token(settings, learner.id)


def sign_in(
    engine: Engine,
    settings: Settings,
    learner_id: int,
    password: str,
    address: str | None,
    *,
    redis: Redis | None = None,
    now: datetime | None = None,
) -> str:
    """:func:`authenticate`, throttled per account and per client ``address``.

    The throttle's state is in the database, or in ``redis`` when one is given.

    The attempt is counted first (:func:`issuer.core.throttle.count_attempt`, which raises
    ``too_many_attempts`` while a key is locked, before any argon2 work); a success clears
    the account's count and takes the attempt back from the address. Blocking (argon2,
    database): call it from a worker thread.
    """
    keys = throttle.limits(settings, learner_id, address)
    if redis is None:
        throttle.count_attempt(engine, settings, keys, now=now)
    else:
        throttle_redis.count_attempt(redis, engine, settings, keys, now=now)
    with Session(engine) as session:
        token = authenticate(session, settings, learner_id, password)
        session.commit()  # a rehashed password
    if redis is None:
        throttle.succeeded(engine, keys)
    else:
        throttle_redis.succeeded(redis, settings, keys)
    return token


def issue_staff_token(settings: Settings, staff_id: int, *, now: datetime | None = None) -> str:
    """A bearer token for the JSON API of staff account ``staff_id``, valid for
    ``staff_idle_minutes`` (the console's idle timeout: a token is not renewed by use)."""
    issued = int((now or utcnow()).timestamp())
    lifetime = int(60 * settings.staff_idle_minutes)
    claims = {"typ": "staff", "sub": staff_id, "iat": issued, "exp": issued + lifetime}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    return f"{STAFF_TOKEN_PREFIX}{payload}.{_mac(settings, _STAFF_MAC_DOMAIN + payload)}"


def staff_id_from_token(settings: Settings, token: str, *, now: datetime | None = None) -> int:
    """The staff account id a valid, unexpired staff token names; ``unauthenticated`` else.

    The caller still checks that the account exists and is active."""
    if not token.startswith(STAFF_TOKEN_PREFIX) or not token.isascii():
        raise Unauthenticated("not a staff token")
    payload, _, mac = token[len(STAFF_TOKEN_PREFIX) :].partition(".")
    expected = _mac(settings, _STAFF_MAC_DOMAIN + payload)
    if not payload or not hmac.compare_digest(mac.encode(), expected.encode()):
        raise Unauthenticated("the staff token is not valid")
    try:
        claims = json.loads(b64url_decode(payload))
        if claims["typ"] != "staff":
            raise ValueError("not a staff token")
        staff_id, expires = int(claims["sub"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise Unauthenticated("the staff token is not valid") from exc
    if (now or utcnow()).timestamp() >= expires:
        raise Unauthenticated("the staff token has expired; sign in again")
    return staff_id


def learner_from_token(
    session: Session, settings: Settings, token: str, *, now: datetime | None = None
) -> Learner:
    """The learner a valid, unexpired token names; ``unauthenticated`` otherwise."""
    if not token.startswith(TOKEN_PREFIX) or not token.isascii():
        raise Unauthenticated("not a learner token")
    payload, _, mac = token[len(TOKEN_PREFIX) :].partition(".")
    if not payload or not hmac.compare_digest(mac.encode(), _mac(settings, payload).encode()):
        raise Unauthenticated("the learner token is not valid")
    try:
        claims = json.loads(b64url_decode(payload))
        learner_id, expires = int(claims["sub"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise Unauthenticated("the learner token is not valid") from exc
    if (now or utcnow()).timestamp() >= expires:
        raise Unauthenticated("the learner token has expired; sign in again")
    learner = session.get(Learner, learner_id)
    if learner is None:
        raise Unauthenticated("the learner token names no learner")
    return learner
