"""A learner's password: changed by the learner, reset with a one-time code.

A code is eight random digits, valid ``reset_code_minutes``, and stored only as its
SHA-256. A certification centre issues one in person (``in_person``, the operator's API
shows it once), or the learner asks for one by email (``email``): the account number and
the national ID must match and the account must have an address, but the answer is the
same either way, so the form reveals no account. Issuing a code voids the learner's
earlier ones; a reset uses the code and voids the rest. Wrong codes are throttled per
account like sign-ins (:mod:`issuer.core.throttle`), so eight digits cannot be guessed
within a code's life.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import smtplib
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from issuer.bank.accounts import get_learner, lock_learner
from issuer.core import audit, mail, national_id, password_policy, security, throttle
from issuer.core.errors import InvalidNationalId, NotFound, ResetCodeInvalid
from issuer.core.settings import Settings
from issuer.models import Learner, PasswordResetCode, ResetCodeIssued, utcnow

__all__ = ["change", "issue_code", "request_by_email", "reset"]

log = logging.getLogger(__name__)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def change(session: Session, learner: Learner, new_password: str) -> None:
    """Set the learner's new password (the caller has checked the current one)."""
    password_policy.check(new_password)
    security.set_password(session, learner, new_password)
    audit.record(
        session,
        actor=f"learner:{learner.id}",
        action="learner.password_changed",
        subject=f"learner:{learner.id}",
        payload={},
    )


def _void_codes(session: Session, learner_id: int, now: datetime) -> None:
    session.execute(
        update(PasswordResetCode)
        .where(
            col(PasswordResetCode.learner_id) == learner_id,
            col(PasswordResetCode.used_at).is_(None),
        )
        .values(used_at=now)
    )


def issue_code(
    session: Session,
    settings: Settings,
    learner_id: int,
    *,
    channel: str,
    actor: str,
    now: datetime | None = None,
) -> ResetCodeIssued:
    """A new code for ``learner_id`` (earlier unused ones are void)."""
    moment = now or utcnow()
    learner = lock_learner(session, learner_id)
    assert learner.id is not None
    _void_codes(session, learner.id, moment)
    code = f"{secrets.randbelow(10**8):08d}"
    expires = moment + timedelta(minutes=settings.reset_code_minutes)
    session.add(
        PasswordResetCode(
            learner_id=learner.id,
            code_hash=_digest(code),
            channel=channel,
            created_at=moment,
            expires_at=expires,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="learner.reset_code_issued",
        subject=f"learner:{learner.id}",
        payload={"channel": channel, "expires_at": expires.isoformat()},
    )
    session.flush()
    return ResetCodeIssued(learner_id=learner.id, code=code, expires_at=expires)


def request_by_email(
    session: Session, settings: Settings, learner_id: int, raw_national_id: str
) -> bool:
    """Send a code to the learner's address if the ID matches the account and mail is on.

    Returns whether a message was sent; callers answer the same either way.
    """
    if not mail.enabled(settings):
        return False
    try:
        nid = national_id.parse(raw_national_id)
        learner = get_learner(session, learner_id)
    except (InvalidNationalId, NotFound):
        return False
    key = settings.id_hmac_key.get_secret_value().encode("utf-8")
    if not learner.email or not hmac.compare_digest(learner.national_id_hmac, nid.hmac_hex(key)):
        return False
    issued = issue_code(session, settings, learner_id, channel="email", actor="learner:self")
    minutes = settings.reset_code_minutes
    body = (
        f"您的学分银行账号 {learner_id} 的密码重置验证码是 {issued.code}，{minutes} 分钟内有效。"
        "如非本人操作，请忽略本邮件。\n\n"
        f"The password reset code of credit bank account {learner_id} is {issued.code}; "
        f"it is valid for {minutes} minutes. If you did not ask for it, ignore this message.\n"
    )
    try:
        mail.send(settings, learner.email, "学分银行密码重置 Credit bank password reset", body)
    except (OSError, smtplib.SMTPException) as exc:
        # The learner is told to ask a certification centre if no code arrives.
        log.warning("password reset mail for learner %s not sent: %s", learner_id, exc)
        return False
    return True


def reset(
    engine: Engine,
    settings: Settings,
    learner_id: int,
    code: str,
    new_password: str,
    *,
    address: str | None = None,
    now: datetime | None = None,
) -> None:
    """Set a new password with a valid code; :class:`ResetCodeInvalid` otherwise.

    Throttled per account and address before the code is looked at (its own
    transaction, so a wrong code still counts); ``too_many_attempts`` while locked.
    """
    password_policy.check(new_password)
    moment = now or utcnow()
    limits = [throttle.Limit(f"reset:{learner_id}", settings.signin_free_attempts)]
    if address:
        limits.append(
            throttle.Limit(f"address:{address}"[:80], settings.signin_free_attempts_per_address)
        )
    throttle.count_attempt(engine, settings, limits, now=moment)
    with Session(engine) as session:
        try:
            learner = lock_learner(session, learner_id)
        except NotFound:
            raise ResetCodeInvalid("the code is not valid; ask for a new one") from None
        row = session.exec(
            select(PasswordResetCode)
            .where(
                col(PasswordResetCode.learner_id) == learner_id,
                col(PasswordResetCode.used_at).is_(None),
            )
            .order_by(col(PasswordResetCode.id).desc())
        ).first()
        given = code.strip()
        if (
            row is None
            or row.expires_at <= moment
            or not given.isascii()
            or not hmac.compare_digest(row.code_hash, _digest(given))
        ):
            raise ResetCodeInvalid("the code is wrong or has expired; ask for a new one")
        security.set_password(session, learner, new_password)
        _void_codes(session, learner_id, moment)
        audit.record(
            session,
            actor=f"learner:{learner_id}",
            action="learner.password_reset",
            subject=f"learner:{learner_id}",
            payload={"channel": row.channel},
        )
        session.commit()
    throttle.succeeded(engine, limits)
