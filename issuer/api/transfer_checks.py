"""The registrar's check of one transfer application, as an API call.

``POST /transfer-applications/{id}/checks`` runs the check the registrar's workspace runs
(:func:`issuer.credentials.transfer_check.check_application`, the university's stored
policy, the bank's trust data) over the credentials the learner presented — files of a
``multipart/form-data`` body read by :mod:`issuer.credentials.transfer_files` under the
workspace's limits, and an SD-JWT presentation as text — or, with no body, over the bank's
own copies of the application's credentials. It answers the report per item; nothing is
stored but the audit event. Recording stays ``POST /transfers``: the report names the
bodies to send it.

For the university the application was made to: its API key, or a registrar's staff
token. Another institution's (or no) application is 403 ``out_of_scope``, audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.api.principals import Principal, PrincipalDep
from issuer.bank import consent
from issuer.core import audit, i18n
from issuer.core.errors import Forbidden, InvalidRequest, OutOfScope, TooManyFiles
from issuer.credentials import transfer_check, transfer_files, transfer_presentations
from issuer.credentials.transfer_check import ApplicationCheck, Item, ReviewRow, SourceKind
from issuer.models import TransferApplication, TransferCreate, TransferItemIn, utcnow
from issuer.models.input import RowId
from verifier.transfer import PresentedCredential

__all__ = ["CHECK_PATH", "CheckedItem", "TransferCheckPublic", "router"]

router = APIRouter(tags=["transfers"])
#: The path whose multipart body the InputGuard lets grow to the upload's cap.
CHECK_PATH = r"^/transfer-applications/\d+/checks$"
#: The text parts a check takes besides its files.
_FIELDS = frozenset({"presentation"})
_PRESENTATION_CHARS = 64_000


class CheckedItem(BaseModel):
    """One credit entry of a presented credential, or one file that holds none."""

    source: str = Field(
        description="The file's name (a second file of one name: `name (2)`), "
        "`presentation` for the text part, or the credential's jti for a bank copy."
    )
    source_kind: SourceKind
    jti: str | None = Field(description="The credential; null for an unreadable file.")
    position: int = Field(description="The entry's position in the credential.")
    course: str | None
    institution: str | None = Field(description="The awarding institution, zh / en.")
    credits: float | None
    domain: str | None
    standard: str | None = Field(description="The conversion standard, id@version.")
    date: str | None
    accepted: bool = Field(description="Verified, accepted by the policy and the consent.")
    recordable: bool = Field(description="May be recorded now with POST /transfers.")
    reason: str | None = Field(description="Why not accepted: a stable code.")
    reason_words: str | None = Field(description="The reason in the reader's language.")
    detail: str | None = Field(description="What exactly was wrong (English).")
    duplicate: bool = Field(description="The same achievement is counted in another row.")
    duplicate_of: str | None = Field(description="The source of the row that counts it.")


class CheckedLearner(BaseModel):
    name: str
    masked_id: str


class TransferCheckPublic(BaseModel):
    """The report of one check (see docs/formats.md, the registrar's check)."""

    application_id: int
    institution: str = Field(description="Code of the university or college.")
    policy: str = Field(description="The name of the policy applied (its current version).")
    checked_at: datetime
    source: Literal["files", "bank_copies"]
    learner: CheckedLearner | None
    closed: str | None = Field(
        description="Why the application records nothing any more (consent_used, "
        "consent_required); null while it is open."
    )
    accepted_credits: float = Field(description="The credits of the recordable items.")
    duplicates: int
    items: list[CheckedItem]
    transfers: list[TransferCreate] = Field(
        description="The bodies of POST /transfers that record every recordable item: "
        "one with application_id, one per presentation."
    )


def _registrar(principal: PrincipalDep) -> Principal:
    if principal.institution is None or (
        principal.staff is not None and principal.staff.role != "registrar"
    ):
        raise Forbidden("the check is a university's: its API key or a registrar's staff token")
    consent.require_receiver(principal.institution, "check presented credentials")
    return principal


RegistrarDep = Annotated[Principal, Depends(_registrar)]


async def _body(request: Request) -> tuple[str | None, list[tuple[str, bytes]]]:
    """The presentation text and the files of the body (none: the bank's copies)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if not body and not content_type.startswith("multipart/"):
        return None, []
    try:
        fields, files = transfer_files.read_upload(
            content_type, body, field_chars=_PRESENTATION_CHARS
        )
    except transfer_files.UploadRefused as exc:
        if exc.too_many:
            raise TooManyFiles(exc.detail) from None
        raise InvalidRequest(exc.detail) from None
    unknown = sorted(set(fields) - _FIELDS)
    if unknown:
        errors = [
            {
                "loc": ["body", name],
                "msg": "Extra inputs are not permitted",
                "type": "extra_forbidden",
            }
            for name in unknown
        ]
        raise InvalidRequest(f"unknown part {unknown[0]!r}", errors=errors)
    return fields.get("presentation") or None, files


def _application(
    session: SessionDep, caller: Principal, application_id: int
) -> TransferApplication:
    row = session.get(TransferApplication, application_id)
    if row is None or caller.institution is None or row.institution_id != caller.institution.id:
        audit.record_refusal(
            session,
            actor=caller.actor,
            action="transfer_application.refused.out_of_scope",
            subject=f"transfer_application:{application_id}",
            payload={"application_id": application_id},
            summary=f"refused: application {application_id} is not one made to this institution",
        )
        raise OutOfScope(f"transfer application {application_id} was not made to you")
    return row


def _item(row: ReviewRow, gettext: Any, blocked: bool) -> CheckedItem:
    words = row.reason_words
    return CheckedItem(
        source=row.source,
        source_kind=row.kind,
        jti=row.jti,
        position=row.position,
        course=row.title,
        institution=row.institution,
        credits=row.credits,
        domain=row.domain,
        standard=row.standard,
        date=row.date,
        accepted=row.accepted,
        # A presentation is its own consent: a closed application does not close it.
        recordable=row.recordable and (not blocked or row.kind == "presentation"),
        reason=row.reason,
        reason_words=None if words is None else gettext(words),
        detail=row.detail,
        duplicate=row.reason == "duplicate",
        duplicate_of=row.duplicate_source,
    )


def _transfers(
    application_id: int, policy: str, items: list[CheckedItem], texts: dict[str, str]
) -> list[TransferCreate]:
    """The POST /transfers bodies of the recordable items, grouped by their consent."""
    groups: dict[str | None, list[TransferItemIn]] = {}
    for item in items:
        if item.recordable and item.jti is not None:
            text = texts.get(item.jti) if item.source_kind == "presentation" else None
            groups.setdefault(text, []).append(TransferItemIn(jti=item.jti, position=item.position))
    return [
        TransferCreate(
            items=chosen,
            application_id=application_id if text is None else None,
            presentation=text,
            policy=policy,
        )
        for text, chosen in groups.items()
    ]


@router.post(
    "/transfer-applications/{application_id}/checks",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "maxItems": transfer_files.MAX_FILES,
                            },
                            "presentation": {
                                "type": "string",
                                "maxLength": _PRESENTATION_CHARS,
                                "description": "An SD-JWT VC presentation (SD-JWT~…~KB-JWT).",
                            },
                        },
                    }
                }
            },
        }
    },
)
async def check_application(
    application_id: RowId,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    caller: RegistrarDep,
) -> TransferCheckPublic:
    """Check the credentials a learner presented for their application, as the workspace does.

    ``multipart/form-data`` with file parts ``files`` (QR images, PDF certificates, JWT,
    Data Integrity JSON, SD-JWT presentations: at most 200, 8 MiB each, 32 MiB in all;
    422 ``too_many_files``, 413 ``payload_too_large``) and a text part ``presentation``;
    no body checks the bank's own copies of the application's credentials. Each item
    says accepted or why not (the workspace's codes, ``unreadable_input``,
    ``bad_signature``, ``duplicate``, ``not_in_application``, …, in words in the reader's
    language); an unreadable file is one item with its code and the others are still
    evaluated. Nothing is stored (audited as ``transfer_application.checked``).
    """
    presentation, files = await _body(request)
    institution = caller.institution
    assert institution is not None
    row = _application(session, caller, application_id)
    read = await run_in_threadpool(
        lambda: [transfer_files.read_file(name, data) for name, data in files]
    )
    moment = utcnow()
    trust = transfer_check.BankTrust(session, keystore, settings, moment)
    presented: list[Item] = [(f.name, f.text, f.code, f.detail) for f in read]
    if presentation is not None:
        presented.append(("presentation", presentation, None, None))
    items: list[Item] = []
    texts: dict[str, str] = {}
    for given in presented:
        item, nonce = transfer_presentations.item_of(
            session, trust, settings, institution, row.learner_id, given, moment
        )
        items.append(item)
        if nonce is not None and isinstance(item[1], PresentedCredential):
            texts[item[1].jti] = str(given[1]).strip()
    checked: ApplicationCheck = transfer_check.check_application(
        session,
        keystore,
        settings,
        institution,
        row,
        items,
        moment,
        presentations=set(texts),
        trust=trust(),
    )
    locale = i18n.negotiate(
        request.headers.get("accept-language"), request.cookies.get(i18n.COOKIE)
    )
    gettext = i18n.translations(locale).gettext
    report = checked.review
    blocked = checked.blocked is not None
    public = [_item(r, gettext, blocked) for r in report.rows]
    audit.record(
        session,
        actor=caller.actor,
        action="transfer_application.checked",
        subject=f"transfer_application:{application_id}",
        payload={
            "learner_id": row.learner_id,
            "items": [[i.source, i.jti, i.position, i.reason] for i in public],
        },
        summary=f"{len(public)} items checked for application {application_id}",
        details={
            "files": len(files),
            "presentation": presentation is not None,
            "unreadable": sum(1 for f in read if f.text is None),
            "accepted": sum(1 for i in public if i.accepted),
            "refused": sum(1 for i in public if not i.accepted),
        },
    )
    response.headers["Content-Language"] = i18n.html_lang(locale)
    return TransferCheckPublic(
        application_id=application_id,
        institution=institution.code,
        policy=report.policy,
        checked_at=moment,
        source="bank_copies" if report.bank_copies else "files",
        learner=None if report.learner is None else CheckedLearner(**report.learner),
        closed=None if checked.blocked is None else checked.blocked.code,
        accepted_credits=sum(i.credits or 0 for i in public if i.recordable),
        duplicates=report.duplicates,
        items=public,
        transfers=_transfers(application_id, report.policy, public, texts),
    )
