"""Achievements of every kind, recorded by institutions."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from issuer.api import idempotency
from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.principals import InstitutionDep
from issuer.committee import reviews
from issuer.conversion import achievements
from issuer.conversion.evidence import AchievementCreate
from issuer.models import AchievementRecorded, Institution
from issuer.models.input import RowId

router = APIRouter(tags=["achievements"])


@router.post("/learners/{learner_id}/achievements", status_code=status.HTTP_201_CREATED)
def record_achievement(
    learner_id: RowId,
    data: AchievementCreate,
    session: SessionDep,
    settings: SettingsDep,
    institution: InstitutionDep,
    request: Request,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> AchievementRecorded:
    """Record an achievement of any kind the calling institution vouches for.

    The body is discriminated by ``kind`` (course, vocational_cert, one_plus_x, training,
    work_experience, award, online_course), each with its own evidence. The conversion
    engine decides under the effective standards and the account's history; the
    response carries the achievement, the decision (standard id@version, rule,
    explanation), the recognition and the deposit. Work experience, and decisions above
    the review threshold, wait in ``pending_review`` with ``entry: null``; their
    quality-review case is opened before the newest review panel in the same request.

    Errors: 409 ``achievement_exists`` (same ``external_ref`` from this institution),
    409 ``duplicate_certificate`` (same certificate number and body, in any account),
    404 ``not_found`` (no such learner), 422 ``invalid_request`` (evidence invalid).
    Supports ``Idempotency-Key``.
    """
    return idempotency.run(
        session,
        key=idempotency_key,
        scope=f"institution:{institution.id} POST {request.url.path}",
        request=data.model_dump(mode="json"),
        model=AchievementRecorded,
        produce=lambda: _record(session, settings, institution, learner_id, data),
    )


def _record(
    session: SessionDep,
    settings: SettingsDep,
    institution: Institution,
    learner_id: int,
    data: AchievementCreate,
) -> AchievementRecorded:
    recorded = achievements.record_achievement(session, settings, institution, learner_id, data)
    # A recognition held for quality review goes to the review panel at once.
    reviews.open_pending_reviews(
        session, actor=f"institution:{institution.code}", achievement_ids=[recorded.achievement.id]
    )
    return recorded
