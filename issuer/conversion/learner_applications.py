"""A learner's own application for recognition: evidence fields, files, preview, material.

The learner names the kind and its evidence (the same models institutions post,
:mod:`issuer.conversion.evidence`), the certification centre they apply to and their
files. :func:`preview` is what the published standards would give, decided by the engine
exactly as on submission, and stores nothing. :func:`apply` records the achievement under
the centre's *intake institution* (one per centre, created on first use, with no usable
API key: nobody records through it but this module), so its recognition lands in that
centre's review queue; the recognition always waits for a reviewer (``held``). An
achievement the standards give nothing for is refused (``not_recognised``) rather than
queued. :func:`add_material` answers a reviewer's request for more: text and files, and
the recognition waits for review again.

Every file is checked (:mod:`issuer.conversion.evidence_store`) before anything is stored,
and written to the data directory only after the rows are in place, so a refusal leaves
neither a row nor a file behind.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from issuer.bank.accounts import lock_learner
from issuer.conversion import achievements, evidence_store, recognitions
from issuer.conversion.engine import Decision, Facts, decide
from issuer.conversion.evidence import AchievementCreate
from issuer.conversion.evidence_store import CheckedFile
from issuer.conversion.standards import catalogue
from issuer.core import audit
from issuer.core.errors import InvalidRequest, NotFound, NotRecognised
from issuer.core.security import api_key_hash
from issuer.core.settings import Settings
from issuer.models import (
    Achievement,
    DecisionPublic,
    EvidenceApplication,
    EvidenceApplicationPublic,
    EvidenceFile,
    EvidenceFilePublic,
    EvidenceSupplement,
    EvidenceSupplementPublic,
    Institution,
    OrgUnit,
    Recognition,
    utcnow,
)

__all__ = [
    "MAX_TEXT",
    "add_material",
    "apply",
    "centres",
    "file_of",
    "files",
    "for_learner",
    "for_recognition",
    "own",
    "preview",
    "public",
    "supplements",
]

#: The longest note a learner adds with material.
MAX_TEXT = 1000
_LEVELS = ("province", "sub_centre")


def centres(session: Session) -> list[OrgUnit]:
    """The centres a learner may apply to: the provincial centre and its sub-centres."""
    return list(
        session.exec(
            select(OrgUnit).where(col(OrgUnit.level).in_(_LEVELS)).order_by(col(OrgUnit.id))
        )
    )


def _centre(session: Session, centre_id: int | None) -> OrgUnit:
    unit = None if centre_id is None else session.get(OrgUnit, centre_id)
    if unit is None or unit.level not in _LEVELS:
        raise InvalidRequest("choose one of the certification centres")
    return unit


def _intake_code(centre_id: int) -> str:
    return f"APPLY-{centre_id}"


def _intake(session: Session, centre: OrgUnit) -> Institution:
    """The centre's intake institution, created on first use."""
    assert centre.id is not None
    code = _intake_code(centre.id)
    found = session.exec(select(Institution).where(col(Institution.code) == code)).first()
    if found is not None:
        return found
    row = Institution(
        code=code,
        name_zh=f"{centre.name_zh}（学习者申请）",
        name_en=f"{centre.name_en} (learner applications)",
        kind="certifying_body",
        centre_id=centre.id,
        # A key nobody knows, revoked at once: no caller can act as this institution.
        api_key_hash=api_key_hash(secrets.token_urlsafe(32)),
        key_revoked_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another first application to this centre made it meanwhile
        return session.exec(select(Institution).where(col(Institution.code) == code)).one()
    return row


def preview(
    session: Session,
    learner_id: int,
    centre_id: int,
    data: AchievementCreate,
    on: date | None = None,
) -> Decision:
    """What the standards in force would give ``data`` on this account, stored nowhere."""
    _centre(session, centre_id)
    stored = data.stored(_intake_code(centre_id))
    facts = Facts(data.kind, stored.evidence, data.completed_on, stored.source, stored.domain)
    on = on or utcnow().date()
    return decide(
        facts, catalogue(session, on), recognitions.history(session, learner_id, facts), on=on
    )


def _add_files(
    session: Session,
    application: EvidenceApplication,
    files: list[CheckedFile],
    supplement_id: int | None,
) -> None:
    assert application.id is not None
    for checked in files:
        session.add(
            EvidenceFile(
                application_id=application.id,
                supplement_id=supplement_id,
                sha256=checked.sha256,
                media_type=checked.media_type,
                size=len(checked.data),
                name=checked.name,
            )
        )
    session.flush()


def _store(home: Path, files: list[CheckedFile]) -> None:
    for checked in files:
        evidence_store.save(home, checked)


def apply(
    session: Session,
    settings: Settings,
    learner_id: int,
    centre_id: int,
    data: AchievementCreate,
    files: list[CheckedFile],
) -> EvidenceApplication:
    """Submit the application (see the module docstring); ``files`` are already checked."""
    if not files:
        raise InvalidRequest("attach at least one evidence file")
    evidence_store.check_caps(len(files), sum(len(f.data) for f in files))
    centre = _centre(session, centre_id)
    lock_learner(session, learner_id)
    if preview(session, learner_id, centre_id, data).half_credits <= 0:
        raise NotRecognised("the published standards give no credits for this achievement")
    recorded = achievements.record_achievement(
        session,
        settings,
        _intake(session, centre),
        learner_id,
        data,
        actor=f"learner:{learner_id}",
        held=True,
    )
    application = EvidenceApplication(
        learner_id=learner_id,
        centre_id=centre_id,
        achievement_id=recorded.achievement.id,
        recognition_id=recorded.recognition.id,
    )
    session.add(application)
    session.flush()
    _add_files(session, application, files, None)
    audit.record(
        session,
        actor=f"learner:{learner_id}",
        action="recognition_application.submit",
        subject=f"recognition:{application.recognition_id}",
        payload={"application": application.id, "files": [f.sha256 for f in files]},
        summary=f"{data.kind} applied for with {len(files)} file(s)",
        details={"centre": centre_id, "kind": data.kind},
    )
    _store(settings.home, files)
    return application


def own(session: Session, learner_id: int, application_id: int) -> EvidenceApplication:
    """The learner's own application; another's is ``not_found`` (nobody learns it exists)."""
    row = session.get(EvidenceApplication, application_id)
    if row is None or row.learner_id != learner_id:
        raise NotFound(f"application {application_id} does not exist")
    return row


def _bytes_held(session: Session, application_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(EvidenceFile.size), 0)).where(
            col(EvidenceFile.application_id) == application_id
        )
    ).one()
    return int(total)


def add_material(
    session: Session,
    settings: Settings,
    learner_id: int,
    application_id: int,
    text: str,
    files: list[CheckedFile],
) -> EvidenceApplication:
    """Add the material a reviewer asked for; the recognition waits for review again."""
    application = own(session, learner_id, application_id)
    assert application.id is not None
    note = text.strip()
    if len(note) > MAX_TEXT:
        raise InvalidRequest(f"the note is longer than {MAX_TEXT} characters")
    if not note and not files:
        raise InvalidRequest("add a note or at least one file")
    evidence_store.check_caps(
        len(files), _bytes_held(session, application.id) + sum(len(f.data) for f in files)
    )
    recognitions.material_added(session, application.recognition_id)
    supplement = EvidenceSupplement(application_id=application.id, text=note)
    session.add(supplement)
    session.flush()
    _add_files(session, application, files, supplement.id)
    audit.record(
        session,
        actor=f"learner:{learner_id}",
        action="recognition_application.material",
        subject=f"recognition:{application.recognition_id}",
        payload={"application": application.id, "files": [f.sha256 for f in files]},
        summary=f"material added: {len(files)} file(s)",
    )
    _store(settings.home, files)
    return application


def for_learner(
    session: Session, learner_id: int, *, limit: int = 100
) -> list[EvidenceApplication]:
    """The learner's applications, newest first."""
    return list(
        session.exec(
            select(EvidenceApplication)
            .where(col(EvidenceApplication.learner_id) == learner_id)
            .order_by(col(EvidenceApplication.id).desc())
            .limit(limit)
        )
    )


def for_recognition(session: Session, recognition_id: int) -> EvidenceApplication | None:
    """The learner's application behind a recognition, if it came from one."""
    return session.exec(
        select(EvidenceApplication).where(col(EvidenceApplication.recognition_id) == recognition_id)
    ).first()


def files(session: Session, application_id: int) -> list[EvidenceFile]:
    """The files of an application, in the order they were added."""
    return list(
        session.exec(
            select(EvidenceFile)
            .where(col(EvidenceFile.application_id) == application_id)
            .order_by(col(EvidenceFile.id))
        )
    )


def supplements(session: Session, application_id: int) -> list[EvidenceSupplement]:
    """The material added on request, oldest first."""
    return list(
        session.exec(
            select(EvidenceSupplement)
            .where(col(EvidenceSupplement.application_id) == application_id)
            .order_by(col(EvidenceSupplement.id))
        )
    )


def file_of(session: Session, application_id: int, file_id: int) -> EvidenceFile:
    """One file of the application, or ``not_found``."""
    row = session.get(EvidenceFile, file_id)
    if row is None or row.application_id != application_id:
        raise NotFound(f"file {file_id} does not exist")
    return row


def public(session: Session, application: EvidenceApplication) -> EvidenceApplicationPublic:
    """The application as its learner follows it."""
    assert application.id is not None
    recognition = session.get(Recognition, application.recognition_id)
    achievement = session.get(Achievement, application.achievement_id)
    assert recognition is not None and achievement is not None
    return EvidenceApplicationPublic(
        id=application.id,
        learner_id=application.learner_id,
        centre_id=application.centre_id,
        achievement_id=application.achievement_id,
        recognition_id=application.recognition_id,
        kind=achievement.kind,
        title=achievement.title,
        completed_on=achievement.completed_on,
        status=recognition.status,
        reason=recognition.reason,
        decision=DecisionPublic.of(recognition),
        evidence=dict(achievement.evidence),
        files=[EvidenceFilePublic.model_validate(f) for f in files(session, application.id)],
        supplements=[
            EvidenceSupplementPublic.model_validate(s) for s in supplements(session, application.id)
        ],
        ledger_entry_id=recognition.ledger_entry_id,
        created_at=application.created_at,
    )
