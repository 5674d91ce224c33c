"""Opening an account online: the learner themselves, with the privacy notice accepted.

The national ID is validated (check digit, date of birth) and kept only as its keyed
hash and masked form, as for accounts an institution opens; a second account for the
same ID is ``learner_exists`` (the answer names only the masked ID the learner typed).
The password must keep :mod:`issuer.core.password_policy`.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from issuer.bank.accounts import create_learner, get_learner
from issuer.core import audit, national_id, password_policy
from issuer.core.errors import PrivacyNotAccepted
from issuer.core.settings import Settings
from issuer.models import LearnerCreate, LearnerPublic, LearnerRegister, utcnow

__all__ = ["PRIVACY_VERSION", "register"]

#: The version of the privacy notice shown at /portal/privacy (and GET /privacy).
PRIVACY_VERSION = "2026-12"


def register(
    session: Session, settings: Settings, data: LearnerRegister, *, now: datetime | None = None
) -> LearnerPublic:
    """Open the account ``data`` describes; see the module docstring."""
    if data.privacy_version != PRIVACY_VERSION:
        raise PrivacyNotAccepted(
            f"accept the current privacy notice (version {PRIVACY_VERSION}) to open an account"
        )
    nid = national_id.parse(data.national_id)
    password_policy.check(data.password, national_id=nid)
    opened = create_learner(
        session,
        settings,
        LearnerCreate(name=data.name, national_id=data.national_id, password=data.password),
        actor="learner:online",
    )
    learner = get_learner(session, opened.id)
    learner.mobile = data.mobile
    learner.email = data.email
    learner.privacy_version = data.privacy_version
    learner.privacy_accepted_at = now or utcnow()
    session.add(learner)
    audit.record(
        session,
        actor=f"learner:{opened.id}",
        action="learner.privacy_accepted",
        subject=f"learner:{opened.id}",
        payload={"privacy_version": data.privacy_version, "channel": "online"},
    )
    return opened
