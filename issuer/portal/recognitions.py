"""The learner's applications for recognition with evidence (认定申请), as portal pages.

``/portal/recognitions/new`` offers the seven kinds, then the chosen kind's evidence
fields and the certification centre; posting them shows the preview — the credits the
published standard gives and the engine's explanation in words — with the file input and
the submit button (the fields ride along hidden, so nothing is stored before the learner
submits). ``/portal/recognitions/{id}`` follows the application (待审核 / 补充材料 /
已认定 / 未通过, with the reviewer's words) and, when more material is asked for, takes a
note and files. Every refusal is a sentence in the reader's language on the form again;
:mod:`issuer.conversion.learner_applications` stores nothing when it refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from issuer.api import learner_refusals
from issuer.api.deps import SessionDep, SettingsDep, get_settings
from issuer.api.evidence_upload import parse_upload
from issuer.api.recognition_applications import file_response
from issuer.conversion import evidence_store, learner_applications
from issuer.conversion.evidence import AchievementCreate
from issuer.core.errors import CreditBankError, InvalidRequest, NotFound
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.models import Learner
from issuer.models.input import RowId
from issuer.portal import _session
from issuer.portal.entry_words import standard_titles
from issuer.portal.pages import _page, _refused, _to_sign_in, translate
from issuer.portal.recognition_forms import INPUTS, KINDS, read_achievement, refused_fields

router = APIRouter(prefix="/portal", include_in_schema=False)

__all__ = ["PAGE_PATHS", "refusal_page", "router"]

#: The portal forms whose refusals by the InputGuard are pages (see issuer.app).
PAGE_PATHS = (r"^/portal/recognitions(/\d+/material)?$",)
#: Why an application or its material was refused, by error code, in words.
_REFUSALS = {
    "unsupported_file_type": N_(
        "Only PDF, JPEG or PNG files are accepted; a file's content was checked, not its name."
    ),
    "too_many_files": N_("At most %(files)s files at once."),
    "evidence_too_large": N_(
        "A file is larger than %(file_mb)s MB, or the files together are larger than %(all_mb)s MB."
    ),
    "payload_too_large": N_(
        "A file is larger than %(file_mb)s MB, or the files together are larger than %(all_mb)s MB."
    ),
    "not_recognised": N_(
        "The published standards give no credits for this achievement, so it cannot be applied for."
    ),
    "duplicate_certificate": N_("This certificate is already recorded in the credit bank."),
    "recognition_decided": N_("This application is not waiting for more material."),
}
_NO_FILES = N_("Attach at least one photo or scan of your evidence.")
_NO_MATERIAL = N_("Add a note or at least one file.")
_NO_CENTRE = N_("Choose the certification centre you apply to.")
_NO_KIND = N_("Choose one of the kinds in the list.")
_CHECK = N_("Please check: %(fields)s")
_FAILED = N_("The application could not be made.")
_LIMITS = {
    "files": evidence_store.MAX_FILES,
    "file_mb": evidence_store.MAX_FILE_BYTES // (1024 * 1024),
    "all_mb": evidence_store.MAX_APPLICATION_BYTES // (1024 * 1024),
}
KindQuery = Annotated[str, Query(max_length=32)]
DoneQuery = Annotated[str, Query(max_length=16)]


def _refusal(request: Request, error: CreditBankError) -> str:
    message = _REFUSALS.get(error.code, _FAILED)
    return (
        translate(request, message, **_LIMITS) if "%(" in message else translate(request, message)
    )


def refusal_page(request: Request, error: CreditBankError) -> Response:
    """The page the InputGuard answers a refused portal upload with (too large, NUL)."""
    back = "/portal/recognitions"
    return _page(
        request,
        get_settings(request),
        "message.html",
        status_code=error.status,
        message=_refusal(request, error),
        back=back,
    )


def _signed_in(request: Request, session: Session, settings: Settings) -> Learner | None:
    learner = _session.current_learner(request, session, settings)
    return learner if learner is not None and learner.id is not None else None


@router.get("/recognitions")
def applications_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    learner = _signed_in(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    rows = [
        learner_applications.public(session, row)
        for row in learner_applications.for_learner(session, learner.id)
    ]
    return _page(request, settings, "recognitions.html", learner=learner, applications=rows)


def _fields_form(
    request: Request,
    session: Session,
    settings: Settings,
    learner: Learner,
    kind: str,
    *,
    posted: dict[str, str] | None = None,
    centre: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return _page(
        request,
        settings,
        "recognition_new.html",
        learner=learner,
        status_code=status_code,
        kinds=KINDS,
        kind=kind if kind in INPUTS else "",
        inputs=INPUTS.get(kind, ()),
        posted=posted or {},
        centres=learner_applications.centres(session),
        centre=centre,
        error=error,
    )


@router.get("/recognitions/new")
def new_application(
    request: Request, session: SessionDep, settings: SettingsDep, kind: KindQuery = ""
) -> Response:
    learner = _signed_in(request, session, settings)
    if learner is None:
        return _to_sign_in()
    unknown = bool(kind) and kind not in INPUTS
    return _fields_form(
        request,
        session,
        settings,
        learner,
        kind,
        error=translate(request, _NO_KIND) if unknown else None,
        status_code=422 if unknown else 200,
    )


@dataclass(frozen=True)
class _Posted:
    """An application's fields as posted and validated, before any file."""

    data: AchievementCreate
    posted: dict[str, str]
    centre: int


def _read(
    request: Request, session: Session, settings: Settings, learner: Learner, form: dict[str, str]
) -> tuple[_Posted | None, HTMLResponse | None]:
    """The application posted in ``form``, or the fields form again saying what is wrong."""
    kind, centre = form.get("kind", ""), form.get("centre", "")
    if kind not in INPUTS:
        return None, _fields_form(
            request,
            session,
            settings,
            learner,
            "",
            error=translate(request, _NO_KIND),
            status_code=422,
        )
    try:
        data, posted = read_achievement(kind, form)
    except ValidationError as exc:
        names = "、".join(translate(request, label) for label in refused_fields(kind, exc))
        error = translate(request, _CHECK, fields=names)
        posted = {s.name: form.get(s.name, "")[:500] for s in INPUTS[kind]}
        return None, _fields_form(
            request,
            session,
            settings,
            learner,
            kind,
            posted=posted,
            centre=centre,
            error=error,
            status_code=422,
        )
    if not centre.isdigit() or int(centre) not in {
        c.id for c in learner_applications.centres(session)
    }:
        return None, _fields_form(
            request,
            session,
            settings,
            learner,
            kind,
            posted=posted,
            centre=centre,
            error=translate(request, _NO_CENTRE),
            status_code=422,
        )
    return _Posted(data, posted, int(centre)), None


def _preview_page(
    request: Request,
    session: Session,
    settings: Settings,
    learner: Learner,
    read: _Posted,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    assert learner.id is not None
    decision = learner_applications.preview(session, learner.id, read.centre, read.data)
    centre_row = next(c for c in learner_applications.centres(session) if c.id == read.centre)
    return _page(
        request,
        settings,
        "recognition_preview.html",
        learner=learner,
        status_code=status_code,
        kind=read.data.kind,
        inputs=INPUTS[read.data.kind],
        posted=read.posted,
        centre=centre_row,
        decision=decision,
        standard_titles=standard_titles(session, [decision.standard]),
        limits=_LIMITS,
        error=error,
    )


@router.post("/recognitions/preview")
async def preview(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    form = await _session.read_form(request)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/recognitions/new")
    learner = _signed_in(request, session, settings)
    if learner is None:
        return _to_sign_in()
    read, refused = _read(request, session, settings, learner, form)
    if refused is not None or read is None:
        return refused or _to_sign_in()
    return _preview_page(request, session, settings, learner, read)


def _unreadable_upload(
    request: Request, session: Session, settings: Settings, attempt: str, exc: CreditBankError
) -> Response:
    """The page for an upload refused while it was read, audited as the learner's attempt."""
    learner = _signed_in(request, session, settings)
    if learner is not None and learner.id is not None:
        learner_refusals.record(session, attempt, exc.code, exc.detail, learner_id=learner.id)
    return refusal_page(request, exc)


@router.post("/recognitions")
async def submit(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    try:
        form, files = parse_upload(request.headers.get("content-type", ""), await request.body())
    except CreditBankError as exc:
        return _unreadable_upload(request, session, settings, "recognition", exc)
    if not _session.check_csrf(request, form):
        return _refused(request, settings, "/portal/recognitions/new")
    learner = _signed_in(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    read, refused = _read(request, session, settings, learner, form)
    if refused is not None or read is None:
        return refused or _to_sign_in()
    try:
        if not files:
            raise InvalidRequest("no files")
        checked = evidence_store.check_all(files)
        application = learner_applications.apply(
            session, settings, learner.id, read.centre, read.data, checked
        )
    except CreditBankError as exc:
        learner_refusals.record(session, "recognition", exc.code, exc.detail, learner_id=learner.id)
        message = (
            translate(request, _NO_FILES)
            if exc.code == "invalid_request"
            else _refusal(request, exc)
        )
        return _preview_page(
            request, session, settings, learner, read, error=message, status_code=exc.status
        )
    return RedirectResponse(
        f"/portal/recognitions/{application.id}?done=submitted",
        status_code=status.HTTP_303_SEE_OTHER,
    )


def _detail(
    request: Request,
    session: Session,
    settings: Settings,
    learner: Learner,
    application_id: int,
    *,
    notice: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    assert learner.id is not None
    try:
        row = learner_applications.own(session, learner.id, application_id)
    except NotFound:
        return _missing(request, settings, learner)
    shown = learner_applications.public(session, row)
    if shown.status != "pending_review":
        notice = ""  # "submitted" or "material added" no longer says where it stands
    inputs = INPUTS.get(shown.kind, ())
    return _page(
        request,
        settings,
        "recognition.html",
        learner=learner,
        status_code=status_code,
        app=shown,
        fields=[(i, shown.evidence.get(i.name)) for i in inputs if i.name in shown.evidence],
        limits=_LIMITS,
        notice=notice,
        error=error,
    )


def _missing(request: Request, settings: Settings, learner: Learner) -> HTMLResponse:
    message = translate(request, N_("This application does not exist."))
    return _page(
        request,
        settings,
        "message.html",
        learner=learner,
        status_code=404,
        message=message,
        back="/portal/recognitions",
    )


_DONE = {
    "submitted": N_(
        "Your application has been submitted. A reviewer of the centre will look at it."
    ),
    "material": N_("Your material has been added. The application waits for review again."),
}


@router.get("/recognitions/{application_id}")
def application_page(
    application_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    done: DoneQuery = "",
) -> Response:
    learner = _signed_in(request, session, settings)
    if learner is None:
        return _to_sign_in()
    notice = translate(request, _DONE[done]) if done in _DONE else ""
    return _detail(request, session, settings, learner, application_id, notice=notice)


@router.post("/recognitions/{application_id}/material")
async def add_material(
    application_id: RowId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        form, files = parse_upload(request.headers.get("content-type", ""), await request.body())
    except CreditBankError as exc:
        return _unreadable_upload(request, session, settings, "material", exc)
    back = f"/portal/recognitions/{application_id}"
    if not _session.check_csrf(request, form):
        return _refused(request, settings, back)
    learner = _signed_in(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    try:
        checked = evidence_store.check_all(files)
        learner_applications.add_material(
            session, settings, learner.id, application_id, form.get("text", ""), checked
        )
    except CreditBankError as exc:
        learner_refusals.record(session, "material", exc.code, exc.detail, learner_id=learner.id)
        message = (
            translate(request, _NO_MATERIAL)
            if exc.code == "invalid_request"
            else _refusal(request, exc)
        )
        return _detail(
            request,
            session,
            settings,
            learner,
            application_id,
            error=message,
            status_code=exc.status,
        )
    return RedirectResponse(f"{back}?done=material", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/recognitions/{application_id}/files/{file_id}")
def own_file(
    application_id: RowId,
    file_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    thumb: Annotated[bool, Query()] = False,
) -> Response:
    learner = _signed_in(request, session, settings)
    if learner is None or learner.id is None:
        return _to_sign_in()
    try:
        learner_applications.own(session, learner.id, application_id)
        row = learner_applications.file_of(session, application_id, file_id)
    except NotFound:
        return _missing(request, settings, learner)
    data = evidence_store.read(settings.home, row.sha256)
    return file_response(data, row.media_type, file_id, thumbnail=thumb)
