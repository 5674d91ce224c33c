"""The items of a transfer request, each checked and, when refused, named in words.

Every item is evaluated, so a refusal lists every refused item at once (the problem's
``errors``: ``jti``, ``position``, ``code``, ``detail``, the course ``title`` and the
awarding ``institution``), not only the first. Refusals name the course and the
institution that awarded it, never internal ids. Checks per item, in order:

1. within the learner's consent (``consent_required``) — before anything else, so a
   university learns nothing about credentials it was not shown;
2. the credential exists (``not_found``), is active (``credential_revoked``,
   ``credential_suspended``), not expired (``credential_expired``); the entry exists
   (``invalid_request``);
3. the deposit still holds its credits (``already_transferred``, ``already_redeemed``,
   ``insufficient_credits``) — asked of :mod:`issuer.bank.standing` after the account lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from issuer.bank.consent import Consent
from issuer.core.errors import (
    ConsentRequired,
    CredentialExpired,
    CredentialRevoked,
    CredentialSuspended,
    CreditBankError,
    InvalidRequest,
    NotFound,
)
from issuer.models import (
    Achievement,
    Credential,
    CredentialEntry,
    Institution,
    LedgerEntry,
    TransferCreate,
)

__all__ = ["Carried", "ItemRefusals", "Pick", "carried_entries", "read_items"]


@dataclass(frozen=True)
class Carried:
    """One entry of a credential: its deposit, course title and awarding institution."""

    position: int
    deposit: LedgerEntry
    title: str
    institution: Institution | None

    def named(self) -> str:
        """The course and its institution, in both languages: ``数控加工 (示范学院 / Demo …)``."""
        if self.institution is None:
            return f"“{self.title}”"
        return f"“{self.title}” ({self.institution.name_zh} / {self.institution.name_en})"


@dataclass
class Pick:
    credential: Credential
    carried: Carried


@dataclass
class ItemRefusals:
    """The refused items of one request, in request order."""

    errors: list[CreditBankError] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, error: CreditBankError, jti: str, position: int | None, carried: Carried | None
    ) -> None:
        self.errors.append(error)
        institution = None if carried is None else carried.institution
        self.rows.append(
            {
                "jti": jti,
                "position": position,
                "code": error.code,
                "detail": error.detail,
                "title": None if carried is None else carried.title,
                "institution": None if institution is None else institution.code,
                "institution_name": None
                if institution is None
                else {"zh": institution.name_zh, "en": institution.name_en},
            }
        )

    def raise_if_any(self, total: int) -> None:
        """Raise the first refusal's error, carrying every refusal as ``errors``."""
        if not self.errors:
            return
        first = self.errors[0]
        refused = len(self.errors)
        summary = first.detail if refused == 1 else f"{refused} of {total} items refused; first: "
        error = type(first)(
            first.detail if refused == 1 else summary + first.detail, errors=self.rows
        )
        raise error


def carried_entries(session: Session, credential_ids: list[int]) -> dict[int, list[Carried]]:
    """Per credential id, its entries in position order with title and institution."""
    rows = session.exec(
        select(CredentialEntry, LedgerEntry, Achievement, Institution)
        .join(LedgerEntry, col(LedgerEntry.id) == col(CredentialEntry.ledger_entry_id))
        .outerjoin(Achievement, col(Achievement.id) == col(LedgerEntry.achievement_id))
        .outerjoin(Institution, col(Institution.id) == col(Achievement.institution_id))
        .where(col(CredentialEntry.credential_id).in_(credential_ids))
        .order_by(col(CredentialEntry.position))
    ).all()
    out: dict[int, list[Carried]] = {}
    for ce, entry, achievement, institution in rows:
        title = achievement.title if achievement is not None else entry.explanation[:200]
        out.setdefault(ce.credential_id, []).append(Carried(ce.position, entry, title, institution))
    return out


def _courses(carried: list[Carried]) -> str:
    return ", ".join(c.named() for c in carried) or "no entries"


def _status_error(credential: Credential, carried: list[Carried], now: datetime) -> Any:
    what = f"the credential carrying {_courses(carried)}"
    if credential.status == "revoked":
        return CredentialRevoked(f"{what} is revoked")
    if credential.status == "suspended":
        return CredentialSuspended(f"{what} is suspended")
    if credential.expires_at is not None and credential.expires_at <= now:
        return CredentialExpired(f"{what} expired on {credential.expires_at.date()}")
    return None


def read_items(
    session: Session, data: TransferCreate, consent: Consent, now: datetime
) -> tuple[list[Pick], list[str], ItemRefusals]:
    """The entries to transfer, the repeated ones (``jti#position``) and the refusals."""
    jtis = {item.jti for item in data.items}
    found = {
        row.jti: row
        for row in session.exec(select(Credential).where(col(Credential.jti).in_(jtis)))
    }
    carried = carried_entries(session, [c.id for c in found.values() if c.id is not None])
    refusals = ItemRefusals()
    picks: list[Pick] = []
    duplicates: list[str] = []
    seen: set[int | None] = set()
    for item in data.items:
        credential = found.get(item.jti) if item.jti in consent.covers else None
        entries = carried.get(credential.id or 0, []) if credential is not None else []
        named = {c.position: c for c in entries}
        if item.jti not in consent.covers:
            refusals.add(
                ConsentRequired(f"credential {item.jti} is not within {consent.describe()}"),
                item.jti,
                item.position,
                None,
            )
            continue
        if credential is None:
            refusals.add(NotFound(f"no credential {item.jti}"), item.jti, item.position, None)
            continue
        status = _status_error(credential, entries, now)
        if status is not None:
            refusals.add(status, item.jti, item.position, None if not entries else entries[0])
            continue
        positions = sorted(named) if item.position is None else [item.position]
        if not positions:
            refusals.add(
                InvalidRequest(f"the credential {item.jti} carries no entries to transfer"),
                item.jti,
                item.position,
                None,
            )
        for position in positions:
            entry = named.get(position)
            if entry is None:
                refusals.add(
                    InvalidRequest(
                        f"the credential carrying {_courses(entries)} has no entry {position}"
                    ),
                    item.jti,
                    position,
                    None,
                )
                continue
            if not consent.covered(item.jti, position):
                refusals.add(
                    ConsentRequired(f"{entry.named()} is not within {consent.describe()}"),
                    item.jti,
                    position,
                    entry,
                )
                continue
            if entry.deposit.id in seen:
                duplicates.append(f"{item.jti}#{position}")
                continue
            seen.add(entry.deposit.id)
            picks.append(Pick(credential, entry))
    if len({p.credential.learner_id for p in picks}) > 1:
        raise InvalidRequest("a transfer covers the credentials of one learner only")
    return picks, duplicates, refusals
