"""The reviewer's queue in the console: recognitions held for review in the reviewer's centre.

Reviewers and centre managers see the open recognitions of their centre's institutions
(:mod:`issuer.committee.review_queue` decides the centre and the outcome), each with the
engine's decision and explanation, the evidence recorded with the achievement and the
learner's account entries; they approve, reject with a reason or ask for more material.
A learner's own application also shows its files (image thumbnails, PDF links) and the
material added on request; the files are served here only to reviewers of the centre.
Another centre's recognition, or its files, is ``out_of_scope`` (a page, audited by
``ConsoleRoute``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.recognition_applications import file_response
from issuer.bank import ledger
from issuer.committee import review_queue
from issuer.console.auth import CurrentStaff, StaffFormDep, require_staff
from issuer.console.render import ConsoleRoute, page
from issuer.conversion import evidence_store, learner_applications
from issuer.core import labels
from issuer.core.errors import NotFound
from issuer.core.i18n import N_
from issuer.models.input import RowId
from issuer.portal.pages import translate

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)

ReviewerDep = Annotated[CurrentStaff, Depends(require_staff("reviewer", "centre_manager"))]
_DONE = {
    "deposited": N_("Approved: the credits are in the learner's account."),
    "forwarded": N_("Forwarded: the expert committee decides this application."),
    "rejected": N_("Rejected: the learner sees your reason."),
    "more_material": N_("The learner has been asked for more material."),
}
STATUS_NAMES = labels.RECOGNITION_STATUSES
#: The evidence fields of each kind of achievement, named for the reader.
EVIDENCE_NAMES = {
    "occupation_name": N_("Occupation"),
    "occupation_code": N_("Occupation code"),
    "certificate_name": N_("Certificate"),
    "organiser": N_("Organiser"),
    "months": N_("Months"),
    "employer": N_("Employer"),
    "attestation": N_("Attestation"),
    "level": N_("Level"),
    "hours": N_("Hours"),
    "provider": N_("Provider"),
    "platform": N_("Platform"),
    "assessment_passed": N_("Assessment passed"),
    "award_level": N_("Award level"),
    "rank": N_("Rank"),
    "competition": N_("Competition"),
    "certificate_number": N_("Certificate No."),
    "certifying_body": N_("Certifying body"),
    "continuing_education": N_("Continuing education for teachers"),
    "course_type": N_("Course type"),
    "grade": N_("Grade"),
}
DoneQuery = Annotated[str, Query(max_length=16)]


def _go(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


@router.get("/review")
def review_queue_page(
    request: Request, session: SessionDep, current: ReviewerDep, done: DoneQuery = ""
) -> HTMLResponse:
    items = review_queue.queue(session, current.scope)
    return page(
        request,
        "review_queue.html",
        staff=current,
        csrf=current.csrf,
        items=items,
        notice=translate(request, _DONE[done]) if done in _DONE else "",
        status_name=lambda s: translate(request, STATUS_NAMES.get(s) or s),
    )


@router.get("/review/{recognition_id}")
def review_item_page(
    request: Request, session: SessionDep, current: ReviewerDep, recognition_id: RowId
) -> HTMLResponse:
    found = review_queue.item(session, current.scope, recognition_id)
    entries = ledger.entries(session, found.recognition.learner_id)
    evidence = [
        (translate(request, EVIDENCE_NAMES.get(key) or key), value)
        for key, value in sorted(found.achievement.evidence.items())
        if not isinstance(value, dict | list)
    ]
    application = learner_applications.for_recognition(session, recognition_id)
    return page(
        request,
        "review_item.html",
        staff=current,
        csrf=current.csrf,
        it=found,
        evidence=evidence,
        entries=entries,
        application=application,
        files=[]
        if application is None
        else learner_applications.files(session, application.id or 0),
        supplements=[]
        if application is None
        else learner_applications.supplements(session, application.id or 0),
        applications=[]
        if application is None
        else [
            learner_applications.public(session, a)
            for a in learner_applications.for_learner(session, application.learner_id)
            if a.id != application.id
        ],
        kind_word=lambda k: translate(request, labels.ACHIEVEMENT_KINDS.get(k) or k),
        entry_word=lambda k: translate(request, labels.ENTRY_KINDS.get(k) or k),
        status_name=lambda s: translate(request, STATUS_NAMES.get(s) or s),
    )


@router.post("/review/{recognition_id}/approve")
def approve(
    session: SessionDep, current: ReviewerDep, form: StaffFormDep, recognition_id: RowId
) -> RedirectResponse:
    outcome, _ = review_queue.approve(session, current.staff, current.scope, recognition_id)
    return _go(f"/console/review?done={outcome}")


@router.post("/review/{recognition_id}/reject")
def reject(
    session: SessionDep, current: ReviewerDep, form: StaffFormDep, recognition_id: RowId
) -> RedirectResponse:
    review_queue.reject(
        session, current.staff, current.scope, recognition_id, form.get("reason", "")
    )
    return _go("/console/review?done=rejected")


@router.post("/review/{recognition_id}/more-material")
def more_material(
    session: SessionDep, current: ReviewerDep, form: StaffFormDep, recognition_id: RowId
) -> RedirectResponse:
    review_queue.request_material(
        session, current.staff, current.scope, recognition_id, form.get("reason", "")
    )
    return _go("/console/review?done=more_material")


ThumbQuery = Annotated[bool, Query()]


@router.get("/review/{recognition_id}/files/{file_id}")
def evidence_file(
    session: SessionDep,
    settings: SettingsDep,
    current: ReviewerDep,
    recognition_id: RowId,
    file_id: RowId,
    thumb: ThumbQuery = False,
) -> Response:
    """One evidence file of a learner's application, for reviewers of its centre only."""
    review_queue.item(session, current.scope, recognition_id)  # out_of_scope elsewhere
    application = learner_applications.for_recognition(session, recognition_id)
    if application is None or application.id is None:
        raise NotFound(f"recognition {recognition_id} has no evidence files")
    row = learner_applications.file_of(session, application.id, file_id)
    data = evidence_store.read(settings.home, row.sha256)
    return file_response(data, row.media_type, file_id, thumbnail=thumb)
