"""Finding issued credentials for the back office: filtered, scoped, paginated.

An institution's scope is the credentials that carry at least one deposit of an
achievement it recorded: it sees what it vouched for, not a learner's other credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists
from sqlmodel import Session, col, func, select

from issuer.models import Achievement, Credential, CredentialEntry, CredentialListItem, LedgerEntry

__all__ = ["CredentialQuery", "find_credentials"]


@dataclass(frozen=True)
class CredentialQuery:
    """Filters of :func:`find_credentials`; ``None`` means any; ``until`` is exclusive."""

    learner_id: int | None = None
    status: str | None = None
    format: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    institution_id: int | None = None


def _where(query: CredentialQuery) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if query.learner_id is not None:
        clauses.append(col(Credential.learner_id) == query.learner_id)
    if query.status is not None:
        clauses.append(col(Credential.status) == query.status)
    if query.format is not None:
        clauses.append(col(Credential.format) == query.format)
    if query.since is not None:
        clauses.append(col(Credential.issued_at) >= query.since)
    if query.until is not None:
        clauses.append(col(Credential.issued_at) < query.until)
    if query.institution_id is not None:
        vouched = (
            exists()
            .where(col(CredentialEntry.credential_id) == col(Credential.id))
            .where(col(LedgerEntry.id) == col(CredentialEntry.ledger_entry_id))
            .where(col(Achievement.id) == col(LedgerEntry.achievement_id))
            .where(col(Achievement.institution_id) == query.institution_id)
        )
        clauses.append(vouched)
    return clauses


def find_credentials(
    session: Session, query: CredentialQuery, *, limit: int, offset: int
) -> tuple[list[CredentialListItem], int]:
    """Credentials matching ``query``, oldest first; and how many match."""
    total = session.exec(select(func.count()).select_from(Credential).where(*_where(query))).one()
    entries = (
        select(func.count())
        .select_from(CredentialEntry)
        .where(col(CredentialEntry.credential_id) == col(Credential.id))
        .scalar_subquery()
    )
    statement = (
        select(Credential, entries)
        .where(*_where(query))
        .order_by(col(Credential.id))
        .offset(offset)
        .limit(limit)
    )
    return [
        CredentialListItem(
            jti=c.jti,
            format=c.format,
            learner_id=c.learner_id,
            status=c.status,
            issued_at=c.issued_at,
            expires_at=c.expires_at,
            status_list=c.status_list_id,
            status_index=c.status_index,
            entries=n,
        )
        for c, n in session.exec(statement)
    ], total
