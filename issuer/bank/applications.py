"""Transfer applications: a learner asks one university or college to recognise credits.

学分转换 / 免修 application: the learner names the institution, the programme and the
credentials (or single entries of them) it covers. The application is the learner's
consent for that institution to record those items once (:mod:`issuer.bank.consent`).
Creating and withdrawing take the account lock, like every other writer of the account's
state, and are audited with the learner as subject, so the learner sees them.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from issuer.bank import accounts, consent
from issuer.core import audit
from issuer.core.errors import Conflict, InvalidRequest, NotFound
from issuer.models import (
    Achievement,
    ApplicationItemPublic,
    Credential,
    CredentialEntry,
    Institution,
    LedgerEntry,
    TransferApplication,
    TransferApplicationCreate,
    TransferApplicationItem,
    TransferApplicationPublic,
    TransferConsent,
    utcnow,
)

__all__ = [
    "create_application",
    "get_application",
    "list_for_institution",
    "list_for_learner",
    "public",
    "withdraw",
]


def _titles(session: Session, credential_id: int) -> dict[int, str]:
    """Each entry position of the credential and the title of its achievement."""
    rows = session.exec(
        select(CredentialEntry.position, Achievement.title)
        .join(LedgerEntry, col(LedgerEntry.id) == col(CredentialEntry.ledger_entry_id))
        .join(Achievement, col(Achievement.id) == col(LedgerEntry.achievement_id))
        .where(col(CredentialEntry.credential_id) == credential_id)
    ).all()
    return dict(rows)


def create_application(
    session: Session, learner_id: int, data: TransferApplicationCreate
) -> TransferApplicationPublic:
    """Record the learner's application (the caller commits)."""
    institution = consent.receiver_by_code(session, data.institution)
    accounts.lock_learner(session, learner_id)
    jtis = [item.jti for item in data.items]
    found = {
        c.jti: c
        for c in session.exec(
            select(Credential).where(
                col(Credential.jti).in_(jtis), col(Credential.learner_id) == learner_id
            )
        )
    }
    seen: set[tuple[str, int | None]] = set()
    rows: list[TransferApplicationItem] = []
    for item in data.items:
        credential = found.get(item.jti)
        if credential is None:  # someone else's credential does not exist for this learner
            raise NotFound(f"you have no credential {item.jti}")
        if credential.status != "active":
            raise InvalidRequest(f"credential {item.jti} is {credential.status}")
        assert credential.id is not None
        if item.position is not None and item.position not in _titles(session, credential.id):
            raise InvalidRequest(f"credential {item.jti} has no entry {item.position}")
        if (item.jti, item.position) in seen:
            raise InvalidRequest(f"credential {item.jti} is named twice")
        seen.add((item.jti, item.position))
        rows.append(
            TransferApplicationItem(
                application_id=0, credential_id=credential.id, position=item.position
            )
        )
    moment = utcnow()
    assert institution.id is not None
    application = TransferApplication(
        learner_id=learner_id,
        institution_id=institution.id,
        programme=data.programme.strip(),
        created_at=moment,
        expires_at=moment + consent.APPLICATION_VALIDITY,
    )
    session.add(application)
    session.flush()
    assert application.id is not None
    for row in rows:
        row.application_id = application.id
        session.add(row)
    session.flush()
    audit.record(
        session,
        actor=f"learner:{learner_id}",
        action="transfer_application.create",
        subject=f"learner:{learner_id}",
        payload={
            "application_id": application.id,
            "institution": institution.code,
            "items": [[i.jti, i.position] for i in data.items],
        },
    )
    return public(session, application)


def withdraw(session: Session, learner_id: int, application_id: int) -> TransferApplicationPublic:
    """The learner withdraws a submitted application (``conflict`` once it was recorded)."""
    accounts.lock_learner(session, learner_id)
    application = session.get(TransferApplication, application_id)
    if application is None or application.learner_id != learner_id:
        raise NotFound(f"you have no transfer application {application_id}")
    if application.state != "submitted":
        raise Conflict(f"application {application_id} is {application.state} already")
    application.state = "withdrawn"
    application.decided_at = utcnow()
    session.add(application)
    audit.record(
        session,
        actor=f"learner:{learner_id}",
        action="transfer_application.withdraw",
        subject=f"learner:{learner_id}",
        payload={"application_id": application_id},
    )
    session.flush()
    return public(session, application)


def public(session: Session, application: TransferApplication) -> TransferApplicationPublic:
    """The API form of ``application``, its items named by their courses."""
    assert application.id is not None
    institution = session.get(Institution, application.institution_id)
    assert institution is not None
    items: list[ApplicationItemPublic] = []
    for row, jti in session.exec(
        select(TransferApplicationItem, Credential.jti)
        .join(Credential, col(Credential.id) == col(TransferApplicationItem.credential_id))
        .where(col(TransferApplicationItem.application_id) == application.id)
        .order_by(col(TransferApplicationItem.id))
    ).all():
        titles = _titles(session, row.credential_id)
        chosen = list(titles.values()) if row.position is None else [titles[row.position]]
        items.append(ApplicationItemPublic(jti=jti, position=row.position, titles=chosen))
    transfer_id = session.exec(
        select(TransferConsent.transfer_id).where(
            col(TransferConsent.application_id) == application.id
        )
    ).first()
    return TransferApplicationPublic(
        id=application.id,
        learner_id=application.learner_id,
        institution=institution.code,
        institution_name_zh=institution.name_zh,
        institution_name_en=institution.name_en,
        programme=application.programme,
        state=application.state,
        items=items,
        created_at=application.created_at,
        expires_at=application.expires_at,
        decided_at=application.decided_at,
        transfer_id=transfer_id,
    )


def get_application(
    session: Session, application_id: int, *, institution_id: int | None, learner_id: int | None
) -> TransferApplicationPublic:
    """One application, for its institution or its learner (or the operator: both None)."""
    application = session.get(TransferApplication, application_id)
    if (
        application is None
        or (institution_id is not None and application.institution_id != institution_id)
        or (learner_id is not None and application.learner_id != learner_id)
    ):
        raise NotFound(f"no transfer application {application_id}")
    return public(session, application)


def list_for_institution(session: Session, institution_id: int) -> list[TransferApplicationPublic]:
    """The applications made to one institution, newest first."""
    rows = session.exec(
        select(TransferApplication)
        .where(col(TransferApplication.institution_id) == institution_id)
        .order_by(col(TransferApplication.id).desc())
        .limit(500)
    ).all()
    return [public(session, row) for row in rows]


def list_for_learner(session: Session, learner_id: int) -> list[TransferApplicationPublic]:
    """The learner's applications, newest first."""
    rows = session.exec(
        select(TransferApplication)
        .where(col(TransferApplication.learner_id) == learner_id)
        .order_by(col(TransferApplication.id).desc())
        .limit(500)
    ).all()
    return [public(session, row) for row in rows]
