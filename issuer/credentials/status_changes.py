"""Revoking, suspending and reinstating issued credentials.

A credential's ``status`` column is the source of truth: the published status lists
(:mod:`issuer.credentials.status_publication`) and the trust bundle
(:mod:`issuer.credentials.trust`) are built from it, and the change raises the counter
that makes them be built again (:mod:`issuer.credentials.publication`), so a change is
visible in the next fetch of a status list and of the bundle.
Every change is written to the audit trail and to ``credential_status_change`` (who, why,
and the committee case that required it, readable back through :func:`history`) in the
same transaction. Who may make which change is decided one layer up, in
:mod:`issuer.committee.status_governance`.

Transitions: active ⇄ suspended, active/suspended → revoked. Revocation is final
(:class:`~issuer.core.errors.CredentialRevoked`); setting the current status again is a no-op.
"""

from __future__ import annotations

from typing import Literal

from sqlmodel import Session, col, select

from issuer.core import audit
from issuer.core.errors import CredentialRevoked
from issuer.credentials.issuance import get_credential
from issuer.credentials.publication import count_status_change
from issuer.models import Credential, CredentialStatusChange

__all__ = ["NewStatus", "history", "set_status"]

NewStatus = Literal["active", "revoked", "suspended"]


def set_status(
    session: Session,
    jti: str,
    status: NewStatus,
    *,
    reason: str,
    actor: str,
    case_id: int | None = None,
) -> Credential:
    """Set the status of credential ``jti`` (``urn:uuid:`` prefix accepted); caller commits."""
    credential = get_credential(session, jti.removeprefix("urn:uuid:"))
    return change(session, credential, status, reason=reason, actor=actor, case_id=case_id)


def change(
    session: Session,
    credential: Credential,
    status: NewStatus,
    *,
    reason: str,
    actor: str,
    case_id: int | None = None,
) -> Credential:
    """Set the status of ``credential``, recorded with ``actor``, ``reason`` and ``case_id``."""
    if credential.status == status:
        return credential
    if credential.status == "revoked":
        raise CredentialRevoked(f"credential {credential.jti} is revoked; revocation is final")
    previous = credential.status
    credential.status = status
    session.add(credential)
    assert credential.id is not None
    session.add(
        CredentialStatusChange(
            credential_id=credential.id,
            from_status=previous,
            to_status=status,
            actor=actor[:64],
            reason=reason,
            case_id=case_id,
        )
    )
    # In this transaction: a published document built after the commit shows the change.
    count_status_change(session)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"credential.{status}",
        subject=f"credential:{credential.jti}"[:64],
        payload={
            "jti": credential.jti,
            "from": previous,
            "to": status,
            "reason": reason,
            "case": case_id,
        },
        summary=f"credential {previous} → {status}",
        reason=reason,
        case=None if case_id is None else f"case:{case_id}",
        details={"from": previous, "to": status, "format": credential.format},
    )
    return credential


def history(session: Session, credential: Credential) -> list[CredentialStatusChange]:
    """Every status change of ``credential``, oldest first."""
    return list(
        session.exec(
            select(CredentialStatusChange)
            .where(col(CredentialStatusChange.credential_id) == credential.id)
            .order_by(col(CredentialStatusChange.id))
        )
    )
