"""An SD-JWT VC presentation among the presented files: checked for this university.

The registrar's workspace and ``POST /transfer-applications/{id}/checks`` check every
file (or text) that has the shape of an SD-JWT here (:func:`item_of`). The university
asks for a presentation with :func:`issuer.bank.consent.issue_nonce` (the function
behind ``POST /transfers/nonces``); the learner's wallet answers with
``<issuer JWT>~<disclosures>~<KB-JWT>``. :func:`check` verifies it with
:func:`verifier.verify_sd_jwt_presentation` against the bank's trust data: KB-JWT
``aud`` is this university (``wrong_audience``), its nonce was issued to this
university (``wrong_nonce``), is unexpired (``stale_presentation``) and unused
(``replayed_presentation``), and the credential is the applicant's
(``different_learner``). A kept presentation is checked at the moment it was uploaded
(its KB-JWT is fresh for minutes only), the nonce's use always as of now. Each refusal
is a per-file code; the other files are evaluated all the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from issuer.bank.consent import audience_of
from issuer.core.settings import Settings
from issuer.credentials.transfer_check import Item
from issuer.models import Credential, Institution, TransferNonce
from verifier import TrustBundle, VerificationError, verify_sd_jwt_presentation
from verifier.formats import jws, sd_jwt
from verifier.transfer import PresentedCredential, read_sd_jwt_presentation

__all__ = ["Checked", "check", "is_presentation", "item_of"]


@dataclass(frozen=True, slots=True)
class Checked:
    """A checked presentation: its credential and nonce, or the code of why it is refused."""

    credential: PresentedCredential | None
    nonce: TransferNonce | None
    code: str | None = None
    detail: str | None = None


def is_presentation(text: str | None) -> bool:
    """Whether a file's text has the shape of an SD-JWT (``jwt~…``)."""
    return text is not None and sd_jwt.looks_like_sd_jwt(text.strip())


def _claimed_nonce(text: str) -> str:
    """The nonce the KB-JWT names, before verification (to find the nonce's row)."""
    parsed = sd_jwt.parse(text)
    if parsed.kb_jwt is None:
        raise _Refused("holder_binding_failed", "the presentation has no key-binding JWT (KB-JWT)")
    try:
        claims = jws.loads(jws.split(parsed.kb_jwt).payload)
    except (ValueError, RecursionError):
        raise _Refused("malformed", "the KB-JWT payload is not JSON") from None
    nonce = claims.get("nonce") if isinstance(claims, dict) else None
    if not isinstance(nonce, str) or not nonce:
        raise _Refused("wrong_nonce", "the presentation's KB-JWT carries no nonce")
    return nonce


class _Refused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def _nonce(session: Session, institution: Institution, nonce: str, at: datetime) -> TransferNonce:
    row = session.exec(select(TransferNonce).where(col(TransferNonce.nonce) == nonce)).first()
    if row is None or row.institution_id != institution.id:
        raise _Refused(
            "wrong_nonce",
            f"the nonce was not issued to {institution.name_en}: ask for a presentation "
            "from this application's page",
        )
    if row.used_at is not None:
        raise _Refused(
            "replayed_presentation",
            f"the nonce was used for a recorded transfer on {row.used_at:%Y-%m-%d %H:%M} UTC",
        )
    if row.expires_at <= at:
        raise _Refused(
            "stale_presentation",
            f"the nonce expired at {row.expires_at:%Y-%m-%d %H:%M} UTC before it was presented",
        )
    return row


def check(
    session: Session,
    trust: TrustBundle,
    settings: Settings,
    institution: Institution,
    learner_id: int,
    text: str,
    at: datetime,
) -> Checked:
    """Check one presentation for ``institution`` and the applicant ``learner_id`` at ``at``."""
    try:
        row = _nonce(session, institution, _claimed_nonce(text), at)
        verified = verify_sd_jwt_presentation(
            text, trust, audience=audience_of(settings, institution), nonce=row.nonce, now=at
        )
        credential = read_sd_jwt_presentation(verified)
    except VerificationError as error:
        return Checked(None, None, error.code, error.detail)
    except _Refused as refused:
        return Checked(None, None, refused.code, refused.detail)
    owner = session.exec(
        select(Credential.learner_id).where(col(Credential.jti) == credential.jti)
    ).first()
    if owner != learner_id:
        return Checked(
            None, None, "different_learner", "the presented credential is not the applicant's"
        )
    return Checked(credential, row)


def item_of(
    session: Session,
    trust: Callable[[], TrustBundle],
    settings: Settings,
    institution: Institution,
    learner_id: int,
    presented: Item,
    at: datetime,
) -> tuple[Item, TransferNonce | None]:
    """``presented`` as the check reads it: a presentation verified (with its nonce) or refused.

    Anything that is no presentation is returned as it is; ``trust`` is asked for the bank's
    trust data only when there is a presentation to verify.
    """
    name, text, _, _ = presented
    if not isinstance(text, str) or not is_presentation(text):
        return presented, None
    checked = check(session, trust(), settings, institution, learner_id, text, at)
    if checked.credential is None or checked.nonce is None:
        return (name, None, checked.code, checked.detail), None
    return (name, checked.credential, None, None), checked.nonce
