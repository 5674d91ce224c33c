"""The university registrar's workspace: incoming applications, the check, the record.

Every page is the registrar's own institution's (``out_of_scope`` for another's
application, which for this institution does not exist: ``not_found``). An application
opens with the offline policy check of the bank's copies of its credentials; the
registrar may add the credentials the learner presented as files (many at once, or a
photo from the device's camera), which are checked instead
(:func:`issuer.credentials.transfer_check.check_application`, the check of ``POST
/transfer-applications/{id}/checks`` too). The decision is one checkbox per recordable
entry, and one "record" posts them to :func:`issuer.bank.transfers.record_transfer` —
the function behind ``POST /transfers`` — with the application as the learner's consent:
all or nothing; a second recording is 409 ``consent_used``. Each recording is audited
with the staff member as actor, and keeps the check's rows as the decision's documents
(:func:`issuer.console.registrar_decision.store`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.bank import applications, consent, transfers
from issuer.console import registrar_decision, registrar_exemptions, registrar_uploads
from issuer.console.auth import CurrentStaff, StaffFormDep, require_staff
from issuer.console.render import ConsoleRoute, page
from issuer.core import audit
from issuer.core.errors import ConsentRequired, CsrfFailed, InvalidRequest, NotFound
from issuer.credentials import transfer_check, transfer_files
from issuer.models import (
    Institution,
    TransferApplication,
    TransferCreate,
    TransferItemIn,
    TransferNonce,
    utcnow,
)
from issuer.models.input import RowId
from issuer.staff import sessions

router = APIRouter(prefix="/console/registrar", include_in_schema=False, route_class=ConsoleRoute)
RegistrarDep = Annotated[CurrentStaff, Depends(require_staff("registrar"))]
#: The record form: the CSRF token and one checkbox per entry (at most 500 per transfer).
MAX_RECORD_FIELDS = 510
MAX_RECORD_BYTES = 64 * 1024
#: The path of the upload, whose body the InputGuard lets grow to MAX_UPLOAD_BYTES.
UPLOAD_PATH = r"^/console/registrar/applications/\d+/upload$"


def institution_of(session: SessionDep, current: CurrentStaff) -> Institution:
    institution_id = current.staff.institution_id
    institution = None if institution_id is None else session.get(Institution, institution_id)
    if institution is None or institution.id is None:
        raise NotFound("this registrar has no institution")
    current.ensure(session, institution_id=institution.id)
    return institution


def application_of(
    session: SessionDep, institution: Institution, application_id: int
) -> TransferApplication:
    row = session.get(TransferApplication, application_id)
    if row is None or row.institution_id != institution.id:
        raise NotFound(f"no transfer application {application_id}")
    return row


@router.get("")
def incoming(request: Request, session: SessionDep, current: RegistrarDep) -> HTMLResponse:
    """The applications made to the registrar's institution, newest first."""
    institution = institution_of(session, current)
    assert institution.id is not None
    rows = applications.list_for_institution(session, institution.id)
    return page(
        request,
        "registrar_incoming.html",
        staff=current,
        csrf=current.csrf,
        institution=institution,
        applications=rows,
    )


def _kept(
    session: SessionDep,
    settings: SettingsDep,
    trust: transfer_check.BankTrust,
    current: CurrentStaff,
    institution: Institution,
    row: TransferApplication,
    moment: datetime,
) -> registrar_uploads.Kept:
    assert row.id is not None and current.staff.id is not None
    return registrar_uploads.presented(
        session, trust, settings, institution, row.id, row.learner_id, current.staff.id, moment
    )


def check_of(
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    current: CurrentStaff,
    institution: Institution,
    row: TransferApplication,
    moment: datetime,
) -> tuple[registrar_uploads.Kept, transfer_check.ApplicationCheck]:
    """The check the page shows: the member's kept files, or else the bank's copies."""
    trust = transfer_check.BankTrust(session, keystore, settings, moment)
    kept = _kept(session, settings, trust, current, institution, row, moment)
    checked = transfer_check.check_application(
        session,
        keystore,
        settings,
        institution,
        row,
        kept.items,
        moment,
        presentations=set(kept.presentations),
        trust=trust(),
    )
    return kept, checked


def _show(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    current: CurrentStaff,
    application_id: int,
    duplicates: list[str] | None = None,
) -> HTMLResponse:
    institution = institution_of(session, current)
    row = application_of(session, institution, application_id)
    public = applications.public(session, row)
    kept, checked = check_of(session, settings, keystore, current, institution, row, utcnow())
    return page(
        request,
        "registrar_application.html",
        staff=current,
        csrf=current.csrf,
        institution=institution,
        application=public,
        report=checked.review,
        recorded=registrar_decision.recorded_items(session, public.transfer_id),
        uploaded=bool(kept.items),
        kept=len(kept.items),
        duplicates=duplicates or [],
        blocked=checked.blocked,
        reasons=transfer_check.REASONS,
        max_files=transfer_files.MAX_FILES,
        transfers=registrar_exemptions.transfers_of(session, institution, row.learner_id),
    )


@router.get("/applications/{application_id}")
def application_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    current: RegistrarDep,
    application_id: RowId,
) -> HTMLResponse:
    """One application, checked over the bank's copies of its credentials."""
    return _show(request, session, settings, keystore, current, application_id)


@router.post("/applications/{application_id}/upload")
async def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    current: RegistrarDep,
    application_id: RowId,
) -> HTMLResponse:
    """The files the learner presented, read, kept with the application and checked.

    The files join those uploaded before (for this application and registrar); the
    same file again is named as a duplicate and not kept twice.
    """
    institution = institution_of(session, current)
    row = application_of(session, institution, application_id)
    body = await request.body()
    try:
        fields, files = transfer_files.parse_upload(request.headers.get("content-type", ""), body)
    except transfer_files.UploadRefused as exc:
        raise InvalidRequest(exc.detail) from None
    if not sessions.check_csrf(current.session, fields.get("csrf", "")):
        raise CsrfFailed("the form's CSRF token is missing or wrong")
    assert current.staff.id is not None
    duplicates = registrar_uploads.keep(session, application_id, current.staff.id, files, utcnow())
    audit.record(
        session,
        actor=current.actor,
        action="registrar.check",
        subject=f"transfer_application:{application_id}",
        payload={
            "files": len(files),
            "unreadable": sum(1 for f in files if f.text is None),
            "duplicates": len(duplicates),
            "learner_id": row.learner_id,
        },
    )
    return _show(request, session, settings, keystore, current, application_id, duplicates)


async def _record_form(request: Request, current: CurrentStaff) -> list[str]:
    """The ticked ``jti:position`` items of the record form, its CSRF token checked."""
    body = await request.body()
    fields: dict[str, list[str]] = {}
    if len(body) <= MAX_RECORD_BYTES:
        try:
            fields = parse_qs(body.decode("utf-8"), max_num_fields=MAX_RECORD_FIELDS)
        except (UnicodeDecodeError, ValueError):
            fields = {}
    if not sessions.check_csrf(current.session, (fields.get("csrf") or [""])[0]):
        raise CsrfFailed("the form's CSRF token is missing or wrong")
    return fields.get("item", [])


def _items(ticked: list[str]) -> list[TransferItemIn]:
    items: list[TransferItemIn] = []
    for value in dict.fromkeys(ticked):
        jti, _, position = value.rpartition(":")
        if not jti or len(jti) > 64 or not position.isdigit() or len(position) > 3:
            raise InvalidRequest(f"not an item of the report: {value[:80]}")
        items.append(TransferItemIn(jti=jti, position=int(position)))
    if not items:
        raise InvalidRequest("tick at least one item to record")
    return items


def _only_recordable(items: list[TransferItemIn], review: transfer_check.Review) -> None:
    """Refuse a ticked item the check refused, or one it did not see with a consent."""
    recordable = {(r.jti, r.position) for r in review.rows if r.recordable}
    refused = {(r.jti, r.position): r for r in review.rows if r.jti is not None}
    for item in items:
        key = (item.jti, item.position or 0)
        if key in recordable:
            continue
        row = refused.get(key)
        if row is None:
            raise ConsentRequired(
                f"{item.jti}:{item.position} is not among the checked items the learner "
                "consented to: check the presented files again"
            )
        raise InvalidRequest(f"the check refused {row.title or item.jti}: {row.reason}")


@router.post("/applications/{application_id}/uploads/clear")
def clear_uploads(
    session: SessionDep, current: RegistrarDep, _form: StaffFormDep, application_id: RowId
) -> RedirectResponse:
    """Forget the files kept with the application (the check returns to the bank's copies)."""
    institution = institution_of(session, current)
    row = application_of(session, institution, application_id)
    assert current.staff.id is not None
    registrar_uploads.clear(session, application_id, current.staff.id)
    audit.record(
        session,
        actor=current.actor,
        action="registrar.uploads_cleared",
        subject=f"transfer_application:{application_id}",
        payload={"learner_id": row.learner_id},
    )
    return RedirectResponse(
        f"/console/registrar/applications/{application_id}",
        status_code=status.HTTP_303_SEE_OTHER,
    )


def _consents(
    items: list[TransferItemIn], presentations: dict[str, TransferNonce]
) -> list[tuple[TransferNonce | None, list[TransferItemIn]]]:
    """The ticked items by consent: each presentation's own, the application's for the rest."""
    groups: dict[int | None, tuple[TransferNonce | None, list[TransferItemIn]]] = {}
    for item in items:
        nonce = presentations.get(item.jti)
        key = None if nonce is None else nonce.id
        groups.setdefault(key, (nonce, []))[1].append(item)
    return list(groups.values())


@router.post("/applications/{application_id}/record")
async def record(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    current: RegistrarDep,
    application_id: RowId,
) -> RedirectResponse:
    """Record the ticked items with the bank: all or nothing.

    Only items the check shows as recordable may be ticked (else ``invalid_request``).
    An item of a presented SD-JWT presentation is recorded with the presentation as the
    learner's consent (its nonce claimed once); every other item with the application.
    Every row of the check is kept with its decision for the decision's CSV and PDF.
    """
    ticked = await _record_form(request, current)
    institution = institution_of(session, current)
    row = application_of(session, institution, application_id)
    moment = utcnow()
    kept, checked = check_of(session, settings, keystore, current, institution, row, moment)
    items = _items(ticked)
    _only_recordable(items, checked.review)
    recorded: dict[tuple[str, int], int] = {}
    for nonce, group in _consents(items, kept.presentations):
        if nonce is None:
            given = consent.application_consent(session, institution, application_id, moment)
        else:
            given = consent.Consent("presentation", {i.jti: None for i in group}, nonce=nonce)
        data = TransferCreate(
            items=group,
            application_id=application_id if nonce is None else None,
            policy=checked.review.policy,
        )
        done = transfers.record_transfer(session, institution, data, given, now=moment)
        recorded.update({(i.jti, i.position): done.id for i in done.items})
        audit.record(
            session,
            actor=current.actor,
            action="registrar.transfer_recorded",
            subject=f"learner:{row.learner_id}",
            payload={
                "application_id": application_id,
                "transfer_id": done.id,
                "consent": given.kind,
                "nonce_id": None if nonce is None else nonce.id,
                "items": [[i.jti, i.position] for i in done.items],
            },
            summary=f"{done.credits:g} credits recorded by registrar {current.staff.login}",
        )
    assert current.staff.id is not None
    registrar_decision.store(
        session, application_id, current.staff.id, checked.review, recorded, moment
    )
    registrar_uploads.clear(session, application_id, current.staff.id)
    return RedirectResponse(
        f"/console/registrar/applications/{application_id}?done=recorded",
        status_code=status.HTTP_303_SEE_OTHER,
    )
