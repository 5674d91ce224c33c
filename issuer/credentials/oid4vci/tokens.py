"""The token endpoint's work: redeem a pre-authorized code for an access token.

A code is redeemed at most once: the offer row is marked by one conditional ``UPDATE``
(not yet redeemed → redeemed), so of two wallets racing with one code only one gets a
token. Every transaction code is counted *before* it is compared (one conditional
``UPDATE … WHERE tx_attempts < 5 RETURNING``); after :data:`MAX_TX_ATTEMPTS` attempts the
offer is locked for good, even for concurrent guesses, which caps guessing at 5 in a million.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import update
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.credentials.oid4vci._hashing import secret_hash, tx_code_matches
from issuer.credentials.oid4vci.errors import InvalidGrant, InvalidToken
from issuer.models import OID4VCIAccessToken, OID4VCIOffer, utcnow

__all__ = [
    "ACCESS_TOKEN_TTL",
    "MAX_TX_ATTEMPTS",
    "AccessGrant",
    "TokenResponse",
    "authenticate",
    "redeem_pre_authorized_code",
]

ACCESS_TOKEN_TTL: Final = timedelta(minutes=5)
MAX_TX_ATTEMPTS: Final = 5


@dataclass(frozen=True)
class TokenResponse:
    """A new access token and its lifetime in seconds."""

    access_token: str
    expires_in: int


@dataclass(frozen=True)
class AccessGrant:
    """What an access token allows: the offer it came from."""

    token: OID4VCIAccessToken
    offer: OID4VCIOffer


def _find_offer(session: Session, code: str) -> OID4VCIOffer:
    offer = session.exec(
        select(OID4VCIOffer).where(col(OID4VCIOffer.code_hash) == secret_hash(code))
    ).first()
    if offer is None:
        raise InvalidGrant("the pre-authorized code is not known", reason="unknown_code")
    return offer


def _take_attempt(session: Session, offer: OID4VCIOffer) -> int | None:
    """Count one transaction-code attempt before it is evaluated; ``None`` when none is left.

    One conditional ``UPDATE … WHERE tx_attempts < MAX RETURNING``: the row lock it takes
    makes concurrent guesses queue, so of any burst at most :data:`MAX_TX_ATTEMPTS` are
    ever evaluated, and a correct code after the limit finds no attempt left.
    """
    taken = session.execute(
        update(OID4VCIOffer)
        .where(
            col(OID4VCIOffer.id) == offer.id,
            col(OID4VCIOffer.tx_attempts) < MAX_TX_ATTEMPTS,
            col(OID4VCIOffer.redeemed_at).is_(None),
        )
        .values(tx_attempts=OID4VCIOffer.tx_attempts + 1)
        .returning(col(OID4VCIOffer.tx_attempts))
    ).first()
    return None if taken is None else int(taken[0])


def redeem_pre_authorized_code(
    session: Session,
    settings: Settings,
    code: str,
    tx_code: str | None,
    *,
    now: datetime | None = None,
) -> TokenResponse:
    """Exchange a pre-authorized code and its transaction code for an access token.

    Raises :class:`InvalidGrant` with ``reason`` ``unknown_code``, ``code_used``,
    ``code_expired``, ``tx_code_locked``, ``tx_code_required`` or ``wrong_tx_code``.
    """
    moment = now or utcnow()
    offer = _find_offer(session, code)
    if offer.redeemed_at is not None:
        raise InvalidGrant("the pre-authorized code has been used already", reason="code_used")
    if offer.expires_at <= moment:
        raise InvalidGrant("the pre-authorized code has expired", reason="code_expired")
    if offer.tx_attempts >= MAX_TX_ATTEMPTS:
        raise InvalidGrant(
            "too many wrong transaction codes; ask for a new offer", reason="tx_code_locked"
        )
    if not tx_code:
        raise InvalidGrant(
            "this offer needs its transaction code (tx_code)", reason="tx_code_required"
        )
    attempts = _take_attempt(session, offer)
    if attempts is None:
        session.refresh(offer)
        if offer.redeemed_at is not None:
            raise InvalidGrant("the pre-authorized code has been used already", reason="code_used")
        raise InvalidGrant(
            "too many wrong transaction codes; ask for a new offer", reason="tx_code_locked"
        )
    if not tx_code_matches(settings, offer.code_hash, tx_code, offer.tx_code_hash):
        error = InvalidGrant(
            f"the transaction code is wrong; {MAX_TX_ATTEMPTS - attempts} attempt(s) left",
            reason="wrong_tx_code",
        )
        error.keep_writes = True  # the counted attempt must survive the error response
        raise error
    # The attempt taken above holds the offer row, so no other request redeems it meanwhile.
    redeemed = session.execute(
        update(OID4VCIOffer)
        .where(col(OID4VCIOffer.id) == offer.id, col(OID4VCIOffer.redeemed_at).is_(None))
        .values(redeemed_at=moment)
    )
    if redeemed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidGrant("the pre-authorized code has been used already", reason="code_used")
    assert offer.id is not None
    access_token = secrets.token_urlsafe(32)
    session.add(
        OID4VCIAccessToken(
            offer_id=offer.id,
            token_hash=secret_hash(access_token),
            created_at=moment,
            expires_at=moment + ACCESS_TOKEN_TTL,
        )
    )
    session.flush()
    return TokenResponse(access_token, int(ACCESS_TOKEN_TTL.total_seconds()))


def authenticate(
    session: Session, access_token: str | None, *, now: datetime | None = None
) -> AccessGrant:
    """The grant of a bearer access token, or :class:`InvalidToken`."""
    if not access_token:
        raise InvalidToken("send Authorization: Bearer <access token>")
    token = session.exec(
        select(OID4VCIAccessToken).where(
            col(OID4VCIAccessToken.token_hash) == secret_hash(access_token)
        )
    ).first()
    if token is None:
        raise InvalidToken("the access token is not valid")
    if token.expires_at <= (now or utcnow()):
        raise InvalidToken("the access token has expired")
    offer = session.get(OID4VCIOffer, token.offer_id)
    assert offer is not None
    return AccessGrant(token, offer)
