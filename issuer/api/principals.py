"""Who is calling: the operator, an institution, a committee member, a learner or staff.

All present ``Authorization: Bearer <token>``:

- institution API keys start with ``cbk_`` and committee member tokens with ``cbc_``;
  both are looked up by their SHA-256 (only the hash is stored);
- learner tokens start with ``cbl_`` and are verified by :mod:`issuer.core.security`;
- staff tokens start with ``cbs_`` (``POST /auth/staff-token``: password and TOTP code);
  a staff member acts in their role: an ``operator`` as the operator, a ``registrar`` or
  ``institution`` member of staff as their institution, a ``committee`` member as the
  committee member they are, and a ``reviewer`` or ``centre_manager`` on the review queue
  of their centre. The audit trail names them (``staff:<id>``), and a deactivated
  account's token stops working at once;
- anything else is compared, in constant time, with the admin token (for automation).

No or an unknown token is ``unauthenticated`` (401); a known caller without the role an
endpoint needs is ``forbidden`` (403). A learner reaches only routes about their own
``learner_id`` (:data:`AdminOrSelfDep`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session, col, select

from issuer.api.deps import SessionDep, SettingsDep
from issuer.core import security
from issuer.core.errors import Forbidden, Unauthenticated
from issuer.core.security import API_KEY_PREFIX, MEMBER_TOKEN_PREFIX, api_key_hash
from issuer.models import CommitteeMember, Institution, Learner, StaffAccount
from issuer.models.input import RowId

__all__ = [
    "AdminDep",
    "AdminOrCommitteeDep",
    "AdminOrInstitutionDep",
    "AdminOrSelfDep",
    "CommitteeDep",
    "InstitutionDep",
    "LearnerDep",
    "Principal",
    "PrincipalDep",
    "Role",
    "SelfDep",
    "StaffDep",
    "current_principal",
]

Role = Literal["admin", "institution", "learner", "committee", "staff"]

_bearer = HTTPBearer(
    auto_error=False,
    description="Admin token, institution API key (cbk_…), committee token (cbc_…), "
    "learner token (cbl_…, from POST /auth/token) or staff token (cbs_…, from "
    "POST /auth/staff-token)",
)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    role: Role
    institution: Institution | None = None
    learner: Learner | None = None
    member: CommitteeMember | None = None
    staff: StaffAccount | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names this caller, e.g. ``committee:3``."""
        if self.staff is not None:
            return f"staff:{self.staff.id}"
        if self.institution is not None:
            return f"institution:{self.institution.code}"
        if self.learner is not None:
            return f"learner:{self.learner.id}"
        if self.member is not None:
            return f"committee:{self.member.id}"
        return "admin"


def _staff_principal(session: Session, staff_id: int) -> Principal:
    """What staff account ``staff_id`` acts as (see the module)."""
    staff = session.get(StaffAccount, staff_id)
    if staff is None or not staff.active:
        raise Unauthenticated("the staff account of this token is not active")
    if staff.role == "operator":
        return Principal("admin", staff=staff)
    if staff.role in ("registrar", "institution") and staff.institution_id is not None:
        institution = session.get(Institution, staff.institution_id)
        return Principal("institution", institution=institution, staff=staff)
    if staff.role == "committee":
        member = session.exec(
            select(CommitteeMember).where(col(CommitteeMember.staff_id) == staff.id)
        ).first()
        if member is not None:
            return Principal("committee", member=member, staff=staff)
    return Principal("staff", staff=staff)


def current_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Authenticate the bearer token of the request."""
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("send Authorization: Bearer <token>")
    token = credentials.credentials
    if token.startswith(API_KEY_PREFIX):
        institution = session.exec(
            select(Institution).where(col(Institution.api_key_hash) == api_key_hash(token))
        ).first()
        if institution is not None:
            return Principal("institution", institution=institution)
    elif token.startswith(MEMBER_TOKEN_PREFIX):
        member = session.exec(
            select(CommitteeMember).where(col(CommitteeMember.token_hash) == api_key_hash(token))
        ).first()
        if member is not None:
            return Principal("committee", member=member)
    elif token.startswith(security.STAFF_TOKEN_PREFIX):
        return _staff_principal(session, security.staff_id_from_token(settings, token))
    elif token.startswith(security.TOKEN_PREFIX):
        learner = security.learner_from_token(session, settings, token)
        request.state.learner_id = learner.id  # whose attempt a refusal is (learner_refusals)
        return Principal("learner", learner=learner)
    elif hmac.compare_digest(
        token.encode("utf-8"), settings.admin_token.get_secret_value().encode("utf-8")
    ):
        return Principal("admin")
    raise Unauthenticated("the bearer token is not valid")


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_admin(principal: PrincipalDep) -> Principal:
    if principal.role != "admin":
        raise Forbidden("this operation is for the credit bank operator")
    return principal


def require_institution(principal: PrincipalDep) -> Institution:
    if principal.institution is None:
        raise Forbidden("this operation is for institutions, with their API key")
    return principal.institution


def require_admin_or_institution(principal: PrincipalDep) -> Principal:
    if principal.role not in ("admin", "institution"):
        raise Forbidden("this operation is for the operator or an institution")
    return principal


def require_member(principal: PrincipalDep) -> CommitteeMember:
    if principal.member is None:
        raise Forbidden("this operation is for expert committee members, with their token")
    return principal.member


def require_admin_or_member(principal: PrincipalDep) -> Principal:
    if principal.role not in ("admin", "committee"):
        raise Forbidden("this operation is for the operator or the expert committee")
    return principal


def require_learner(principal: PrincipalDep) -> Learner:
    if principal.learner is None:
        raise Forbidden("this operation is for learners, signed in with POST /auth/token")
    return principal.learner


def require_admin_or_self(learner_id: RowId, principal: PrincipalDep) -> Principal:
    """The operator, or the learner whose ``learner_id`` is in the path."""
    if principal.role == "admin":
        return principal
    if principal.learner is not None and principal.learner.id == learner_id:
        return principal
    raise Forbidden("a learner sees only their own account")


def require_self(learner_id: RowId, principal: PrincipalDep) -> Learner:
    """Only the learner whose ``learner_id`` is in the path (not even the operator)."""
    if principal.learner is None or principal.learner.id != learner_id:
        raise Forbidden("only the learner themself may do this")
    return principal.learner


def require_staff(principal: PrincipalDep) -> StaffAccount:
    if principal.staff is None:
        raise Forbidden("this operation is for staff, with a staff token (POST /auth/staff-token)")
    return principal.staff


AdminDep = Annotated[Principal, Depends(require_admin)]
InstitutionDep = Annotated[Institution, Depends(require_institution)]
AdminOrInstitutionDep = Annotated[Principal, Depends(require_admin_or_institution)]
CommitteeDep = Annotated[CommitteeMember, Depends(require_member)]
AdminOrCommitteeDep = Annotated[Principal, Depends(require_admin_or_member)]
LearnerDep = Annotated[Learner, Depends(require_learner)]
AdminOrSelfDep = Annotated[Principal, Depends(require_admin_or_self)]
SelfDep = Annotated[Learner, Depends(require_self)]
StaffDep = Annotated[StaffAccount, Depends(require_staff)]
