"""Institutions and learners: registration and the account view."""

from __future__ import annotations

import secrets
from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.bank import ledger
from issuer.core import audit, national_id, security
from issuer.core.errors import InstitutionExists, InvalidRequest, LearnerExists, NotFound
from issuer.core.security import API_KEY_PREFIX, api_key_hash
from issuer.core.settings import Settings
from issuer.models import (
    Account,
    DomainBalance,
    DomainKindBalance,
    Institution,
    InstitutionCreate,
    InstitutionCreated,
    Learner,
    LearnerCreate,
    LearnerPublic,
    LedgerEntry,
    LedgerEntryPublic,
    OrgUnit,
)

__all__ = [
    "account_view",
    "create_institution",
    "create_learner",
    "entry_public",
    "get_learner",
    "lock_learner",
]


def create_institution(
    session: Session, data: InstitutionCreate, *, actor: str = "admin"
) -> InstitutionCreated:
    """Register an institution and mint its API key (returned only here); audited."""
    existing = session.exec(select(Institution).where(col(Institution.code) == data.code)).first()
    if existing is not None:
        raise InstitutionExists(f"institution {data.code} already exists")
    if data.centre_id is not None and session.get(OrgUnit, data.centre_id) is None:
        raise InvalidRequest(f"centre {data.centre_id} does not exist")
    api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    institution = Institution.model_validate(data, update={"api_key_hash": api_key_hash(api_key)})
    session.add(institution)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request registered the same code
        raise InstitutionExists(f"institution {data.code} already exists") from exc
    audit.record(
        session,
        actor=actor,
        action="institution.create",
        subject=f"institution:{data.code}",
        payload=data.model_dump(mode="json"),
        summary=f"institution {data.code} registered ({data.kind})",
        details={"id": institution.id, "code": data.code, "kind": data.kind},
    )
    return InstitutionCreated.model_validate(institution, update={"api_key": api_key})


def create_learner(
    session: Session,
    settings: Settings,
    data: LearnerCreate,
    *,
    actor: str = "admin",
    institution_id: int | None = None,
) -> LearnerPublic:
    """Open a learner account; the clear national ID is validated, hashed and dropped.

    ``institution_id`` is the institution that opened it (``None``: the operator or the
    learner); the opening is audited with the learner's row id only.
    """
    nid = national_id.parse(data.national_id)
    digest = nid.hmac_hex(settings.id_hmac_key.get_secret_value().encode("utf-8"))
    existing = session.exec(select(Learner).where(col(Learner.national_id_hmac) == digest)).first()
    if existing is not None:
        raise LearnerExists(f"a learner with national ID {nid.masked} already exists")
    learner = Learner(
        name=data.name,
        national_id_hmac=digest,
        national_id_masked=nid.masked,
        password_hash=security.hash_password(data.password) if data.password else None,
        opened_by_institution_id=institution_id,
    )
    session.add(learner)
    try:
        session.flush()
    except IntegrityError as exc:
        raise LearnerExists(f"a learner with national ID {nid.masked} already exists") from exc
    # The payload hashed is the keyed HMAC, never the clear number or the name.
    audit.record(
        session,
        actor=actor,
        action="learner.create",
        subject=f"learner:{learner.id}",
        payload={"learner": learner.id, "national_id_hmac": digest},
        summary=f"learner account {learner.id} opened",
        details={"learner_id": learner.id, "institution_id": institution_id},
    )
    return LearnerPublic.model_validate(learner)


def get_learner(session: Session, learner_id: int) -> Learner:
    """The learner, or :class:`NotFound`."""
    learner = session.get(Learner, learner_id)
    if learner is None:
        raise NotFound(f"learner {learner_id} does not exist")
    return learner


def lock_learner(session: Session, learner_id: int) -> Learner:
    """Lock the learner's account for this transaction (:func:`ledger.lock_account`), then load it.

    Write paths call this before they read anything of the account, so that every writer
    of one account takes its locks in the same order.
    """
    ledger.lock_account(session, learner_id)
    learner = session.get(Learner, learner_id, populate_existing=True)
    if learner is None:  # pragma: no cover - the lock found the row
        raise NotFound(f"learner {learner_id} does not exist")
    return learner


def entry_public(entry: LedgerEntry) -> LedgerEntryPublic:
    """The API form of a ledger entry."""
    return LedgerEntryPublic.model_validate(entry, update={"credits": entry.half_credits / 2})


def account_view(
    session: Session, learner_id: int, query: ledger.EntryQuery | None = None
) -> Account:
    """The learner's account: balances (all entries) and one page of entries in order.

    The balances are summed by the database and the page is read by ``seq``: the view
    costs the same with ten entries or ten thousand. ``next_after`` is the cursor of the
    next page (``None`` on the last).
    """
    query = query or ledger.EntryQuery()
    learner = get_learner(session, learner_id)
    totals = ledger.totals(session, learner_id)
    by_domain = {domain: sum(kinds.values()) for domain, kinds in totals.items()}
    total = sum(by_domain.values())
    # One more than asked for tells whether another page follows.
    rows = ledger.page(session, learner_id, replace(query, limit=query.limit + 1))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return Account(
        learner=LearnerPublic.model_validate(learner),
        balance=total / 2,
        balance_half_credits=total,
        by_domain=[
            DomainBalance(domain=domain, credits=half / 2, half_credits=half)
            for domain, half in by_domain.items()
        ],
        by_domain_and_kind=[
            DomainKindBalance(domain=domain, kind=kind, credits=half / 2, half_credits=half)
            for domain, kinds in totals.items()
            for kind, half in kinds.items()
        ],
        entries=[entry_public(entry) for entry in rows],
        next_after=rows[-1].seq if more and rows else None,
    )
