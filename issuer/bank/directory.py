"""Finding learners and transfers for the back office: filtered, scoped, paginated.

An institution's scope of learners is the accounts it opened and the learners it has
recorded an achievement for; its scope of transfers is the transfers it received.
A search by national ID takes the keyed HMAC of the number (:mod:`issuer.core.national_id`):
the clear number is compared nowhere and kept nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_
from sqlmodel import Session, col, func, select

from issuer.core import national_id
from issuer.core.settings import Settings
from issuer.models import (
    Achievement,
    Institution,
    Learner,
    LearnerListItem,
    Transfer,
    TransferItem,
    TransferListItem,
)

__all__ = ["LearnerQuery", "TransferQuery", "find_learners", "find_transfers", "id_digest"]


def id_digest(settings: Settings, raw: str) -> str:
    """The keyed HMAC under which a learner with national ID ``raw`` is stored.

    An invalid number is ``invalid_national_id`` (422), whose message never repeats it.
    """
    key = settings.id_hmac_key.get_secret_value().encode("utf-8")
    return national_id.parse(raw).hmac_hex(key)


@dataclass(frozen=True)
class LearnerQuery:
    """Filters of :func:`find_learners`; ``None`` means any.

    ``name`` and ``masked_id`` match a part (``"1234"`` finds ``4101**********1234``);
    ``id_hmac`` matches exactly; ``institution_id`` restricts to that institution's scope.
    """

    name: str | None = None
    masked_id: str | None = None
    id_hmac: str | None = None
    institution_id: int | None = None


def _learners(query: LearnerQuery) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if query.name is not None:
        clauses.append(col(Learner.name).contains(query.name, autoescape=True))
    if query.masked_id is not None:
        clauses.append(col(Learner.national_id_masked).contains(query.masked_id, autoescape=True))
    if query.id_hmac is not None:
        clauses.append(col(Learner.national_id_hmac) == query.id_hmac)
    if query.institution_id is not None:
        recorded = exists().where(
            col(Achievement.learner_id) == col(Learner.id),
            col(Achievement.institution_id) == query.institution_id,
        )
        clauses.append(or_(col(Learner.opened_by_institution_id) == query.institution_id, recorded))
    return clauses


def find_learners(
    session: Session, query: LearnerQuery, *, limit: int, offset: int
) -> tuple[list[LearnerListItem], int]:
    """Learners matching ``query``, oldest account first; and how many match."""
    total = session.exec(select(func.count()).select_from(Learner).where(*_learners(query))).one()
    statement = (
        select(Learner, Institution.code)
        .where(*_learners(query))
        .outerjoin(Institution, col(Institution.id) == col(Learner.opened_by_institution_id))
        .order_by(col(Learner.id))
        .offset(offset)
        .limit(limit)
    )
    items = []
    for learner, code in session.exec(statement):
        assert learner.id is not None
        items.append(
            LearnerListItem(
                id=learner.id,
                name=learner.name,
                national_id_masked=learner.national_id_masked,
                created_at=learner.created_at,
                opened_by=code,
            )
        )
    return items, total


@dataclass(frozen=True)
class TransferQuery:
    """Filters of :func:`find_transfers`; ``None`` means any; ``until`` is exclusive."""

    institution_id: int | None = None
    learner_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _transfers(query: TransferQuery) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if query.institution_id is not None:
        clauses.append(col(Transfer.institution_id) == query.institution_id)
    if query.learner_id is not None:
        clauses.append(col(Transfer.learner_id) == query.learner_id)
    if query.since is not None:
        clauses.append(col(Transfer.created_at) >= query.since)
    if query.until is not None:
        clauses.append(col(Transfer.created_at) < query.until)
    return clauses


def find_transfers(
    session: Session, query: TransferQuery, *, limit: int, offset: int
) -> tuple[list[TransferListItem], int]:
    """Transfers matching ``query``, oldest first; and how many match."""
    total = session.exec(select(func.count()).select_from(Transfer).where(*_transfers(query))).one()
    items_count = (
        select(func.count())
        .select_from(TransferItem)
        .where(col(TransferItem.transfer_id) == col(Transfer.id))
        .scalar_subquery()
    )
    statement = (
        select(Transfer, Institution.code, items_count)
        .where(*_transfers(query))
        .join(Institution, col(Institution.id) == col(Transfer.institution_id))
        .order_by(col(Transfer.id))
        .offset(offset)
        .limit(limit)
    )
    out = []
    for transfer, code, count in session.exec(statement):
        assert transfer.id is not None
        out.append(
            TransferListItem(
                id=transfer.id,
                institution=code,
                learner_id=transfer.learner_id,
                policy=transfer.policy,
                reference=transfer.reference,
                credits=transfer.half_credits / 2,
                half_credits=transfer.half_credits,
                items=count,
                created_at=transfer.created_at,
            )
        )
    return out, total
