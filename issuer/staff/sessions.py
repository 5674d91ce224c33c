"""Console sessions: a random cookie token (HMAC-signed), its SHA-256 in ``console_session``.

A session begins at the password (stage ``code``, or ``enrol`` for an account without a
second factor yet) and becomes ``full`` only with a valid TOTP code; it then gets a new
token, so a token seen before the second factor is worthless after it. It ends at sign-out,
after ``staff_idle_minutes`` without a request, ``staff_session_hours`` after it began
(``staff_code_minutes`` for a session still waiting for its code), or when the account is
deactivated or its TOTP reset. Each session carries the synchronizer CSRF token of its
forms.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from issuer.core.errors import SessionExpired
from issuer.core.settings import Settings
from issuer.models import ConsoleSession, StaffAccount, utcnow
from keys import b64url

__all__ = ["Stage", "check_csrf", "end", "open_session", "promote", "resolve"]

Stage = str  # "code" | "enrol" | "full"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _mac(settings: Settings, token: str) -> str:
    key = settings.session_key.get_secret_value().encode("utf-8")
    digest = hmac.new(key, b"console-session:" + token.encode("ascii"), hashlib.sha256)
    return b64url(digest.digest())


def _cookie(settings: Settings, token: str) -> str:
    return f"{token}.{_mac(settings, token)}"


def open_session(
    session: Session, settings: Settings, staff: StaffAccount, stage: Stage
) -> tuple[str, ConsoleSession]:
    """A new session of ``staff``; returns its cookie value (shown to nobody else)."""
    assert staff.id is not None
    token = secrets.token_urlsafe(32)
    row = ConsoleSession(
        token_hash=_hash(token), staff_id=staff.id, stage=stage, csrf=secrets.token_urlsafe(24)
    )
    session.add(row)
    session.flush()
    return _cookie(settings, token), row


def promote(session: Session, settings: Settings, row: ConsoleSession) -> str:
    """Make ``row`` a full session under a new token and CSRF token; its new cookie value."""
    token = secrets.token_urlsafe(32)
    row.token_hash = _hash(token)
    row.csrf = secrets.token_urlsafe(24)
    row.stage = "full"
    row.created_at = row.last_seen_at = utcnow()
    session.add(row)
    session.flush()
    return _cookie(settings, token)


def _limits(settings: Settings, row: ConsoleSession) -> tuple[timedelta, timedelta]:
    if row.stage == "full":
        return (
            timedelta(minutes=settings.staff_idle_minutes),
            timedelta(hours=settings.staff_session_hours),
        )
    waiting = timedelta(minutes=settings.staff_code_minutes)
    return waiting, waiting


def resolve(
    session: Session, settings: Settings, cookie: str | None, *, now: datetime | None = None
) -> tuple[ConsoleSession, StaffAccount] | None:
    """The live session a cookie names and its account, touched; ``None`` for no session.

    ``session_expired`` (the row is deleted) when it is past its idle timeout or lifetime,
    or its account was deactivated.
    """
    if not cookie or not cookie.isascii():
        return None
    token, _, mac = cookie.partition(".")
    if not token or not hmac.compare_digest(mac.encode(), _mac(settings, token).encode()):
        return None
    row = session.exec(
        select(ConsoleSession).where(col(ConsoleSession.token_hash) == _hash(token))
    ).first()
    if row is None:
        return None
    moment = now or utcnow()
    idle, lifetime = _limits(settings, row)
    staff = session.get(StaffAccount, row.staff_id)
    if (
        moment - row.last_seen_at > idle
        or moment - row.created_at > lifetime
        or staff is None
        or not staff.active
    ):
        session.delete(row)
        session.flush()
        raise SessionExpired("the session has expired; sign in again")
    row.last_seen_at = moment
    session.add(row)
    session.flush()
    return row, staff


def end(session: Session, row: ConsoleSession) -> None:
    """Sign out: the session's row is deleted."""
    session.delete(row)
    session.flush()


def check_csrf(row: ConsoleSession, field: str) -> bool:
    """Whether a form's CSRF field is this session's token."""
    return bool(field) and hmac.compare_digest(row.csrf.encode(), field.encode())
