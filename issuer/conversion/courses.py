"""Recording courses: the achievement, its conversion and the deposit, in one transaction."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.bank import ledger
from issuer.bank.accounts import entry_public, lock_learner
from issuer.conversion.general_hours import convert_hours
from issuer.core.errors import AchievementExists
from issuer.models import (
    Achievement,
    AchievementPublic,
    CourseCreate,
    CourseRecorded,
    DecisionPublic,
    Institution,
)

__all__ = ["record_course"]


def ensure_new_external_ref(
    session: Session, institution_id: int, external_ref: str | None
) -> None:
    """Raise :class:`AchievementExists` when the institution already recorded this reference."""
    if external_ref is None:
        return
    duplicate = session.exec(
        select(Achievement.id).where(
            col(Achievement.institution_id) == institution_id,
            col(Achievement.external_ref) == external_ref,
        )
    ).first()
    if duplicate is not None:
        raise AchievementExists(f"external_ref {external_ref!r} is already recorded")


def record_course(
    session: Session, institution: Institution, learner_id: int, data: CourseCreate
) -> CourseRecorded:
    """Record a course the institution vouches for and deposit the credits it earns.

    A course that earns zero credits under the standard (e.g. 10 h of theory) is still
    recorded as an achievement, so its hours stay on file, but no ledger entry is
    written: the ledger holds only movements of credits. The response then carries the
    decision that explains why, and ``entry`` is null.
    """
    learner = lock_learner(session, learner_id)
    assert institution.id is not None and learner.id is not None
    ensure_new_external_ref(session, institution.id, data.external_ref)
    achievement = Achievement.model_validate(
        data, update={"learner_id": learner.id, "institution_id": institution.id}
    )
    session.add(achievement)
    try:
        session.flush()
    except IntegrityError as exc:  # the same external_ref posted concurrently
        raise AchievementExists(f"external_ref {data.external_ref!r} is already recorded") from exc
    assert achievement.id is not None

    decision = convert_hours(data.course_type, data.hours)
    entry = None
    if decision.half_credits > 0:
        entry = ledger.append(
            session,
            learner_id=learner.id,
            kind="deposit",
            half_credits=decision.half_credits,
            achievement_id=achievement.id,
            domain=data.domain,
            standard=decision.standard,
            rule=decision.rule,
            explanation=f"{decision.explanation_zh}\n{decision.explanation_en}",
        )
    return CourseRecorded(
        achievement=AchievementPublic.model_validate(achievement),
        decision=DecisionPublic.of(decision),
        entry=None if entry is None else entry_public(entry),
    )
