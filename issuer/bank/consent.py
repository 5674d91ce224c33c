"""The learner's consent to a transfer, bound to one university or college.

Two forms (DESIGN.md §7, docs/formats.md "Transfer consent"):

- an **application** the learner made for that institution
  (:func:`create_application`, portal or ``POST /learners/{id}/transfer-applications``);
  it is used once, for items within it, before it expires;
- an **SD-JWT VC presentation** whose KB-JWT ``aud`` is :func:`audience_of` the
  institution and whose ``nonce`` the institution asked for (:func:`issue_nonce`); the
  nonce is claimed by one conditional UPDATE (:func:`claim_nonce`), so of two racing
  requests with one nonce exactly one gets it. The presentation itself is verified one
  layer up (``issuer/credentials/transfer_consent.py``), where the trust data lives.

Only universities and colleges receive transfers (:func:`require_receiver`). Anything
else is :class:`ConsentRequired` (403) with a detail that says which rule failed; a
consent that was used already is :class:`ConsentUsed` (409).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from issuer.core import audit
from issuer.core.errors import ConsentRequired, ConsentUsed, NotAUniversity
from issuer.core.settings import Settings
from issuer.models import (
    Credential,
    Institution,
    TransferApplication,
    TransferApplicationItem,
    TransferNonce,
    TransferNoncePublic,
    utcnow,
)
from issuer.models.accounts import TRANSFER_KINDS
from issuer.models.consent import ConsentKind

__all__ = [
    "APPLICATION_VALIDITY",
    "NONCE_VALIDITY",
    "Consent",
    "application_consent",
    "audience_of",
    "claim_nonce",
    "find_nonce",
    "issue_nonce",
    "receiver_by_code",
    "require_receiver",
]

#: How long a learner's application stays usable.
APPLICATION_VALIDITY = timedelta(days=180)
#: How long a nonce for a presentation stays usable (the KB-JWT itself must be fresher).
NONCE_VALIDITY = timedelta(minutes=10)


@dataclass
class Consent:
    """The consent a transfer is recorded under, and what it covers.

    ``covers`` maps a credential ``jti`` to the entry positions it consents to
    (``None``: every entry of that credential).
    """

    kind: ConsentKind
    covers: dict[str, frozenset[int] | None]
    application: TransferApplication | None = None
    nonce: TransferNonce | None = None

    def covered(self, jti: str, position: int) -> bool:
        """Whether entry ``position`` of credential ``jti`` is within this consent."""
        if jti not in self.covers:
            return False
        positions = self.covers[jti]
        return positions is None or position in positions

    def describe(self) -> str:
        """How a refusal names this consent, e.g. ``application 7``."""
        if self.application is not None:
            return f"application {self.application.id}"
        return "the presentation"

    def recheck(self, session: Session) -> None:
        """After the account lock: the application was not used meanwhile (:class:`ConsentUsed`).

        Every writer of an application's state holds its learner's account lock, so the
        state read here is the last committed one.
        """
        if self.application is None:
            return
        session.refresh(self.application)
        if self.application.state == "recorded":
            raise ConsentUsed(f"application {self.application.id} was already recorded")
        if self.application.state != "submitted":
            raise ConsentRequired(f"application {self.application.id} was withdrawn")


def require_receiver(institution: Institution, what: str = "record transfers") -> None:
    """Only universities and colleges receive transfers (else :class:`ConsentRequired`)."""
    if institution.kind not in TRANSFER_KINDS:
        raise ConsentRequired(
            f"{institution.name_en} is a(n) {institution.kind.replace('_', ' ')}; only "
            f"universities and colleges {what}"
        )


def receiver_by_code(session: Session, code: str) -> Institution:
    """The university or college ``code`` a learner applies to (:class:`NotAUniversity`)."""
    institution = session.exec(
        select(Institution).where(col(Institution.code) == code.strip().upper())
    ).first()
    if institution is None:
        raise NotAUniversity(f"there is no university or college {code!r}")
    if institution.kind not in TRANSFER_KINDS:
        raise NotAUniversity(
            f"{institution.name_en} ({institution.name_zh}) is not a university or college; "
            "credits are transferred only to those"
        )
    return institution


def application_consent(
    session: Session, institution: Institution, application_id: int, now: datetime
) -> Consent:
    """The consent of application ``application_id`` for ``institution``."""
    application = session.get(TransferApplication, application_id)
    if application is None or application.institution_id != institution.id:
        # Another institution's application does not exist for this one.
        raise ConsentRequired(f"application {application_id} was not made to {institution.name_en}")
    if application.state == "recorded":
        raise ConsentUsed(f"application {application_id} was already recorded")
    if application.state != "submitted":
        raise ConsentRequired(f"application {application_id} was withdrawn by the learner")
    if application.expires_at <= now:
        raise ConsentRequired(
            f"application {application_id} expired on {application.expires_at.date()}"
        )
    rows = session.exec(
        select(TransferApplicationItem).where(
            col(TransferApplicationItem.application_id) == application_id
        )
    ).all()
    jtis = dict(
        session.exec(
            select(Credential.id, Credential.jti).where(
                col(Credential.id).in_([r.credential_id for r in rows])
            )
        ).all()
    )
    covers: dict[str, frozenset[int] | None] = {}
    for row in rows:
        jti = jtis[row.credential_id]
        if row.position is None or covers.get(jti, frozenset()) is None:
            covers[jti] = None
        else:
            covers[jti] = (covers.get(jti) or frozenset()) | {row.position}
    return Consent("application", covers, application=application)


def audience_of(settings: Settings, institution: Institution) -> str:
    """The KB-JWT ``aud`` a presentation for ``institution`` carries.

    ``<issuer URL>/institutions/<CODE>``: the bank's own URL (the ``iss`` of its
    credentials) and the institution's code, so it names one institution of one bank.
    """
    return f"{settings.verify_base_url.rstrip('/')}/institutions/{institution.code}"


def issue_nonce(
    session: Session, settings: Settings, institution: Institution, now: datetime | None = None
) -> TransferNoncePublic:
    """A fresh single-use nonce for ``institution`` to send to the learner's wallet."""
    require_receiver(institution, "ask for presentations of credits")
    moment = now or utcnow()
    assert institution.id is not None
    row = TransferNonce(
        nonce=secrets.token_urlsafe(24),
        institution_id=institution.id,
        created_at=moment,
        expires_at=moment + NONCE_VALIDITY,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=f"institution:{institution.code}",
        action="transfer.nonce",
        subject=f"institution:{institution.code}",
        payload={"nonce_id": row.id},
    )
    return TransferNoncePublic(
        nonce=row.nonce, audience=audience_of(settings, institution), expires_at=row.expires_at
    )


def find_nonce(
    session: Session, institution: Institution, nonce: str, now: datetime
) -> TransferNonce:
    """The unused, unexpired nonce ``nonce`` this institution asked for."""
    row = session.exec(select(TransferNonce).where(col(TransferNonce.nonce) == nonce)).first()
    if row is None or row.institution_id != institution.id:
        raise ConsentRequired(
            f"the presentation's nonce was not issued to {institution.name_en}: ask for one "
            "with POST /transfers/nonces"
        )
    if row.used_at is not None:
        raise ConsentUsed("the presentation's nonce was already used (a replayed presentation)")
    if row.expires_at <= now:
        raise ConsentRequired(f"the presentation's nonce expired at {row.expires_at}")
    return row


def claim_nonce(session: Session, row: TransferNonce, now: datetime) -> None:
    """Mark ``row`` used in this transaction; :class:`ConsentUsed` if another request did.

    One conditional UPDATE: on PostgreSQL the second of two racing requests waits for the
    first's row lock and then finds ``used_at`` set; SQLite runs writers one at a time.
    """
    result = session.execute(
        update(TransferNonce)
        .where(col(TransferNonce.id) == row.id, col(TransferNonce.used_at).is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConsentUsed("the presentation's nonce was already used (a replayed presentation)")
