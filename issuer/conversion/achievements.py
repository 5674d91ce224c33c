"""Recording achievements of every kind: evidence, decision, recognition and deposit.

One call, one transaction (the caller's): the achievement is stored, the engine decides
under the standards effective on the decision date with the account's history, the
decision becomes a recognition, and credits are deposited unless the recognition waits
for quality review.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.bank.accounts import entry_public, lock_learner
from issuer.conversion import recognitions
from issuer.conversion.courses import ensure_new_external_ref
from issuer.conversion.engine import Catalogue, Facts, decide
from issuer.conversion.evidence import AchievementCreate
from issuer.conversion.standards import catalogue as load_catalogue
from issuer.core import audit
from issuer.core.errors import DuplicateCertificate
from issuer.core.settings import Settings
from issuer.models import (
    Achievement,
    AchievementPublic,
    AchievementRecorded,
    DecisionPublic,
    Institution,
    RecognitionPublic,
    utcnow,
)

__all__ = ["record_achievement"]


def _check_unique(session: Session, institution_id: int, achievement: Achievement) -> None:
    ensure_new_external_ref(session, institution_id, achievement.external_ref)
    if achievement.certificate_number is not None:
        found = session.exec(
            select(Achievement.id).where(
                col(Achievement.certifying_body) == achievement.certifying_body,
                col(Achievement.certificate_number) == achievement.certificate_number,
            )
        ).first()
        if found is not None:
            raise DuplicateCertificate(
                f"certificate {achievement.certificate_number} of {achievement.certifying_body} "
                "is already recorded"
            )


def record_achievement(
    session: Session,
    settings: Settings,
    institution: Institution,
    learner_id: int,
    data: AchievementCreate,
    *,
    on: date | None = None,
    catalogue: Catalogue | None = None,
    actor: str | None = None,
    held: bool = False,
) -> AchievementRecorded:
    """Record one achievement the institution vouches for; see the module docstring.

    ``on`` is the decision date (today in UTC by default); ``catalogue`` may be passed
    by bulk callers that compiled the effective standards once. A learner's own
    application passes ``actor`` (the learner, for the audit trail) and ``held`` (its
    recognition waits for a reviewer whatever the decision).
    """
    learner = lock_learner(session, learner_id)
    assert institution.id is not None and learner.id is not None
    stored = data.stored(institution.code)
    achievement = Achievement(
        learner_id=learner.id,
        institution_id=institution.id,
        kind=data.kind,
        title=stored.title,
        course_type=stored.course_type,
        hours=stored.hours,
        domain=stored.domain or "GE",
        completed_on=data.completed_on,
        grade=stored.grade,
        external_ref=data.external_ref,
        evidence=stored.evidence,
        certificate_number=stored.certificate_number,
        certifying_body=stored.certifying_body,
    )
    _check_unique(session, institution.id, achievement)
    session.add(achievement)
    try:
        session.flush()
    except IntegrityError as exc:  # the same record or certificate posted concurrently
        raise DuplicateCertificate("this achievement or certificate is already recorded") from exc

    on = on or utcnow().date()
    facts = Facts(data.kind, stored.evidence, data.completed_on, stored.source, stored.domain)
    decision = decide(
        facts,
        catalogue or load_catalogue(session, on),
        recognitions.history(session, learner.id, facts),
        on=on,
    )
    if stored.domain is None:
        # The standard that recognised it decides the domain of a non-course achievement.
        achievement.domain = decision.domain
        session.add(achievement)
    recognition, entry = recognitions.create(
        session,
        achievement,
        decision,
        source=stored.source,
        threshold=settings.review_threshold_half_credits,
        held=held,
    )
    # The deposit is part of the learner's story in the audit trail: codes and amounts only.
    audit.record(
        session,
        actor=actor or f"institution:{institution.code}",
        action="achievement.record",
        subject=f"learner:{learner.id}",
        payload={"achievement": achievement.id, "entry": None if entry is None else entry.id},
        summary=f"{data.kind} recorded: {recognition.status}, "
        f"{0 if entry is None else entry.half_credits} half-credits",
        details={"achievement": achievement.id, "domain": achievement.domain},
    )
    return AchievementRecorded(
        achievement=AchievementPublic.model_validate(achievement),
        decision=DecisionPublic.of(decision),
        recognition=RecognitionPublic.of(recognition),
        entry=None if entry is None else entry_public(entry),
    )
