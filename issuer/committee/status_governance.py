"""Who may revoke, suspend or reinstate a credential, and on what authority.

- The operator (admin token) may make any change, with a reason; a case may be cited.
- A committee member acts only through a committee case (``case_required``) of a panel
  they sit on (``not_on_panel``) that concerns one of the credential's deposits
  (``case_unrelated``): a dispute of a ledger entry it carries, or the quality review of
  the recognition that deposited one.
- Such a member may suspend while the case is open or decided; revoking and reinstating
  need the case's decision (``case_not_decided``), and a decision that calls for the
  change (``decision_mismatch``): revoke after a review rejected or a dispute modified;
  reinstate after a review approved or a dispute upheld or rejected.

Every change is recorded by :mod:`issuer.credentials.status_changes` with who, why and
which case.
"""

from __future__ import annotations

from typing import Final

from sqlmodel import Session, col, select

from issuer.committee import panels
from issuer.core.errors import (
    CaseNotDecided,
    CaseRequired,
    CaseUnrelated,
    DecisionMismatch,
    NotOnPanel,
)
from issuer.credentials import status_changes
from issuer.credentials.issuance import get_credential
from issuer.credentials.status_changes import NewStatus
from issuer.models import (
    CommitteeCase,
    CommitteeMember,
    Credential,
    CredentialEntry,
    CredentialStatusChange,
    PanelMember,
    Recognition,
)

__all__ = ["CALLS_FOR", "change_status", "history"]

#: The decided outcomes that call for each change a member may make after a decision.
CALLS_FOR: Final[dict[str, frozenset[str]]] = {
    "revoked": frozenset({"reject", "modified"}),
    "active": frozenset({"approve", "upheld", "rejected"}),
}


def _subjects(session: Session, credential: Credential) -> set[str]:
    """The case subjects that concern ``credential``: its entries and their recognitions."""
    entry_ids = list(
        session.exec(
            select(CredentialEntry.ledger_entry_id).where(
                col(CredentialEntry.credential_id) == credential.id
            )
        )
    )
    recognition_ids = session.exec(
        select(Recognition.id).where(col(Recognition.ledger_entry_id).in_(entry_ids))
    )
    return {f"ledger_entry:{e}" for e in entry_ids} | {f"recognition:{r}" for r in recognition_ids}


def _authorising_case(
    session: Session,
    credential: Credential,
    status: NewStatus,
    member: CommitteeMember | None,
    case_id: int | None,
) -> CommitteeCase | None:
    if case_id is None:
        if member is not None:
            raise CaseRequired(
                "a committee member changes a credential's status only through a committee "
                "case: give case_id"
            )
        return None
    case = panels.get_case(session, case_id)
    if member is not None and session.get(PanelMember, (case.panel_id, member.id)) is None:
        raise NotOnPanel(
            f"member {member.id} does not sit on panel {case.panel_id} of case {case_id}"
        )
    if case.subject not in _subjects(session, credential):
        raise CaseUnrelated(
            f"case {case_id} ({case.subject}) concerns none of the deposits of "
            f"credential {credential.jti}"
        )
    if member is None or status == "suspended":
        return case
    if case.status == "open":
        raise CaseNotDecided(f"case {case_id} is still open; its decision is needed first")
    if case.status not in CALLS_FOR[status]:
        raise DecisionMismatch(
            f"case {case_id} was decided '{case.status}', which does not call for "
            f"making the credential {status}"
        )
    return case


def change_status(
    session: Session,
    jti: str,
    status: NewStatus,
    *,
    reason: str,
    actor: str,
    member: CommitteeMember | None,
    case_id: int | None,
) -> Credential:
    """Change credential ``jti``'s status if the caller may; ``member`` is ``None`` for the
    operator. The caller commits."""
    credential = get_credential(session, jti.removeprefix("urn:uuid:"))
    case = _authorising_case(session, credential, status, member, case_id)
    return status_changes.change(
        session,
        credential,
        status,
        reason=reason,
        actor=actor,
        case_id=None if case is None else case.id,
    )


def history(session: Session, jti: str) -> tuple[Credential, list[CredentialStatusChange]]:
    """Credential ``jti`` and its status changes, oldest first."""
    credential = get_credential(session, jti.removeprefix("urn:uuid:"))
    return credential, status_changes.history(session, credential)
