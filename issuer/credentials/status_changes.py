"""Revoking, suspending and reinstating issued credentials.

A credential's ``status`` column is the source of truth: the published status lists
(:mod:`issuer.credentials.status_publication`) and the trust bundle
(:mod:`issuer.credentials.trust`) are built from it, so a change is visible at the next
status refresh and in the next bundle.
Every change is written to the audit trail in the same transaction.

Transitions: active ⇄ suspended, active/suspended → revoked. Revocation is final
(:class:`~issuer.core.errors.CredentialRevoked`); setting the current status again is a no-op.
"""

from __future__ import annotations

from typing import Literal

from sqlmodel import Session

from issuer.core import audit
from issuer.core.errors import CredentialRevoked
from issuer.credentials.issuance import get_credential
from issuer.models import Credential

__all__ = ["NewStatus", "set_status"]

NewStatus = Literal["active", "revoked", "suspended"]


def set_status(
    session: Session, jti: str, status: NewStatus, *, reason: str, actor: str
) -> Credential:
    """Set the status of credential ``jti`` (``urn:uuid:`` prefix accepted); caller commits."""
    credential = get_credential(session, jti.removeprefix("urn:uuid:"))
    if credential.status == status:
        return credential
    if credential.status == "revoked":
        raise CredentialRevoked(f"credential {credential.jti} is revoked; revocation is final")
    previous = credential.status
    credential.status = status
    session.add(credential)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"credential.{status}",
        subject=f"credential:{credential.jti}"[:64],
        payload={"jti": credential.jti, "from": previous, "to": status, "reason": reason},
    )
    return credential
