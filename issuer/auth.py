"""Who is calling: the operator (admin token) or an institution (its API key).

Both present ``Authorization: Bearer <token>``. Institution keys start with ``cbk_`` and
are looked up by their SHA-256; the admin token is compared in constant time. No or an
unknown token is ``unauthenticated`` (401); a known caller without the role an endpoint
needs is ``forbidden`` (403).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import col, select

from issuer.accounts import API_KEY_PREFIX, api_key_hash
from issuer.api.deps import SessionDep, SettingsDep
from issuer.errors import Forbidden, Unauthenticated
from issuer.models import Institution

__all__ = [
    "AdminDep",
    "AdminOrInstitutionDep",
    "InstitutionDep",
    "Principal",
    "current_principal",
]

_bearer = HTTPBearer(auto_error=False, description="Admin token or institution API key (cbk_…)")


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    role: Literal["admin", "institution"]
    institution: Institution | None = None


def current_principal(
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
            return Principal("institution", institution)
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


AdminDep = Annotated[Principal, Depends(require_admin)]
InstitutionDep = Annotated[Institution, Depends(require_institution)]
AdminOrInstitutionDep = PrincipalDep
