"""Institutions after registration: listing, the centre they hang under, their API keys.

An API key is shown once, when it is made (registration or rotation); only its SHA-256
is stored. Rotating replaces the key at once (the old one stops working). Revoking
replaces the stored hash with that of a random key nobody is shown, and records when:
the institution then has no working key until the operator rotates one in. Every change
is audited with the acting caller.
"""

from __future__ import annotations

import secrets

from sqlmodel import Session, col, func, select

from issuer.core import audit
from issuer.core.errors import InvalidRequest, NotFound
from issuer.core.security import API_KEY_PREFIX, api_key_hash
from issuer.models import Institution, InstitutionCreated, InstitutionPublic, OrgUnit, utcnow

__all__ = ["attach", "get_institution", "list_institutions", "revoke_key", "rotate_key"]


def get_institution(session: Session, institution_id: int) -> Institution:
    """The institution, or :class:`NotFound`."""
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFound(f"institution {institution_id} does not exist")
    return institution


def list_institutions(
    session: Session, *, limit: int, offset: int, centre_ids: set[int] | None = None
) -> tuple[list[InstitutionPublic], int]:
    """Institutions by code (optionally of some centres only), and how many there are."""
    query = select(Institution)
    count = select(func.count()).select_from(Institution)
    if centre_ids is not None:
        query = query.where(col(Institution.centre_id).in_(centre_ids))
        count = count.where(col(Institution.centre_id).in_(centre_ids))
    total = session.exec(count).one()
    rows = session.exec(query.order_by(col(Institution.code)).offset(offset).limit(limit))
    return [InstitutionPublic.model_validate(row) for row in rows], total


def rotate_key(session: Session, institution_id: int, *, actor: str) -> InstitutionCreated:
    """A new API key for the institution (returned only here); the old one stops working."""
    institution = get_institution(session, institution_id)
    api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    institution.api_key_hash = api_key_hash(api_key)
    institution.key_revoked_at = None
    session.add(institution)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="institution.key_rotated",
        subject=f"institution:{institution.code}",
        payload={},
    )
    return InstitutionCreated.model_validate(institution, update={"api_key": api_key})


def revoke_key(session: Session, institution_id: int, *, actor: str) -> InstitutionPublic:
    """The institution's API key stops working; no new one is made."""
    institution = get_institution(session, institution_id)
    # A hash of a key nobody is ever shown keeps the column unique and non-null.
    institution.api_key_hash = api_key_hash("revoked:" + secrets.token_urlsafe(32))
    institution.key_revoked_at = utcnow()
    session.add(institution)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="institution.key_revoked",
        subject=f"institution:{institution.code}",
        payload={},
    )
    return InstitutionPublic.model_validate(institution)


def attach(
    session: Session, institution_id: int, centre_id: int | None, *, actor: str
) -> InstitutionPublic:
    """Attach the institution to a centre (or detach it with ``None``)."""
    institution = get_institution(session, institution_id)
    if centre_id is not None and session.get(OrgUnit, centre_id) is None:
        raise InvalidRequest(f"centre {centre_id} does not exist")
    institution.centre_id = centre_id
    session.add(institution)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="institution.attached",
        subject=f"institution:{institution.code}",
        payload={"centre_id": centre_id},
    )
    return InstitutionPublic.model_validate(institution)
