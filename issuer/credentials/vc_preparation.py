"""What every Open Badges, CLR and SD-JWT VC issuance does before and after it builds its
document: lock the learner, read the deposits' facts, fix the moment, take a status slot;
then store the signed credential row.

One :func:`prepare` for the JWT and the Data Integrity forms (``vc_issuance.py``,
``vc_ldp_issuance.py``), so that they take the lock, the slot and the dates in the same
order and store the same row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from issuer.bank import standing
from issuer.bank.accounts import lock_learner
from issuer.core.errors import NotRecognised
from issuer.core.settings import Settings
from issuer.credentials import issuance, status_slots
from issuer.credentials.vc_documents import EntryFacts, Learnerish, issuer_uri
from issuer.models import Credential, Learner, LedgerEntry, utcnow
from verifier.formats import vc_jwt

__all__ = ["Moment", "Prepared", "entry_facts", "prepare", "status_list_url"]


def status_list_url(settings: Settings, list_id: str, *, bitstring: bool = False) -> str:
    """URL of a status list: the token form, or the 2-bit Bitstring credential form."""
    url = f"{issuer_uri(settings)}/status-lists/{list_id}"
    return url + "/bitstring" if bitstring else url


def _facts_of(session: Session, entry: LedgerEntry, half_credits: int) -> EntryFacts:
    assert entry.id is not None
    achievement, institution = issuance.achievement_of(session, entry)
    assert achievement.id is not None
    return EntryFacts(
        entry_id=entry.id,
        entry_hash=entry.hash,
        achievement_id=achievement.id,
        title=achievement.title,
        kind=achievement.kind,
        domain=entry.domain,
        half_credits=half_credits,
        hours=achievement.hours,
        grade=achievement.grade,
        standard=entry.standard,
        rule=entry.rule,
        completed_on=achievement.completed_on,
        institution_code=institution.code,
        institution_name_zh=institution.name_zh,
    )


def entry_facts(session: Session, learner_id: int, entry_ids: list[int] | None) -> list[EntryFacts]:
    """Facts of the given deposits (in order), or of every standing deposit when ``None``.

    Another learner's or a missing entry is :class:`NotFound`; an entry that is not a
    deposit of an achievement is :class:`NotRecognised`; credits transferred, redeemed or
    reversed are refused (:func:`issuer.credentials.issuance.issuable_deposits`). Each fact carries
    the credits its deposit still holds.
    """
    if entry_ids is None:
        entry_ids = [d.id for d in standing.standing_deposits(session, learner_id) if d.id]
        if not entry_ids:
            raise NotRecognised(f"learner {learner_id} has no recognised achievements yet")
    deposits = issuance.issuable_deposits(session, learner_id, entry_ids)
    return [_facts_of(session, entry, half) for entry, half in deposits]


class Moment:
    """Issue time, expiry and their wire forms for one credential."""

    def __init__(self, settings: Settings, now: datetime | None) -> None:
        self.issued_at = (now or utcnow()).replace(microsecond=0)
        days = settings.credential_validity_days
        self.expires_at = None if days is None else self.issued_at + timedelta(days=days)
        self.nbf = int(self.issued_at.timestamp())
        self.exp = None if self.expires_at is None else int(self.expires_at.timestamp())
        self.valid_from = vc_jwt.iso(self.nbf)
        self.valid_until = None if self.exp is None else vc_jwt.iso(self.exp)

    @property
    def dates(self) -> dict[str, Any]:
        """``valid_from`` and ``valid_until``, as the document builders take them."""
        return {"valid_from": self.valid_from, "valid_until": self.valid_until}


@dataclass
class Prepared:
    """One issuance in progress: whose, which deposits, when, and its status slot."""

    learner_id: int
    who: Learnerish
    facts: list[EntryFacts]
    moment: Moment
    slot: tuple[str, int]
    #: The status list's base URL ``…/status-lists/{id}`` (its lists hang below it).
    status_url: str
    jti: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def status_index(self) -> int:
        return self.slot[1]

    def store(self, session: Session, *, fmt: Any, token: str, actor: str) -> Credential:
        """Store the signed ``token`` as this issuance's credential row (the caller commits)."""
        credential = Credential(
            jti=self.jti,
            format=fmt,
            learner_id=self.learner_id,
            token=token,
            status_list_id=self.slot[0],
            status_index=self.slot[1],
            status="active",
            issued_at=self.moment.issued_at,
            expires_at=self.moment.expires_at,
        )
        entry_ids = [fact.entry_id for fact in self.facts]
        issuance.store_credential(session, credential, entry_ids, actor=actor)
        return credential


def _learnerish(learner: Learner) -> Learnerish:
    return Learnerish(learner.name, learner.national_id_hmac, learner.national_id_masked)


def prepare(
    session: Session,
    settings: Settings,
    learner_id: int,
    entry_ids: list[int] | None,
    now: datetime | None,
) -> Prepared:
    """Lock the learner's account, read the deposits (every standing one when ``entry_ids``
    is ``None``), fix the moment and take a status slot, in that order."""
    learner = lock_learner(session, learner_id)
    assert learner.id is not None
    facts = entry_facts(session, learner.id, entry_ids)
    moment = Moment(settings, now)
    slot = status_slots.allocate(session, settings)
    return Prepared(
        learner_id=learner.id,
        who=_learnerish(learner),
        facts=facts,
        moment=moment,
        slot=slot,
        status_url=status_list_url(settings, slot[0]),
    )
