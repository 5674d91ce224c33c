"""A learner's own applications for recognition, with evidence files (the learner's token).

Preview (what the published standard gives, stored nowhere), submit with files, follow,
add material when a reviewer asks, read back one's own files. Submissions and material
are ``multipart/form-data``: a JSON part ``application`` (or a text part ``text``) and
file parts ``files``. Only the learner whose account is in the path may call these
(403 ``forbidden`` for anyone else, the operator included, except for reading).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError

from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.evidence_upload import parse_upload
from issuer.api.principals import AdminOrSelfDep, SelfDep
from issuer.conversion import evidence_store, learner_applications
from issuer.conversion.evidence import AchievementCreate
from issuer.core.errors import InvalidRequest
from issuer.models import DecisionPublic, EvidenceApplicationPublic
from issuer.models.input import RequestModel, RowId

router = APIRouter(tags=["recognition applications"])

__all__ = ["RecognitionApplicationCreate", "file_response", "router"]


class RecognitionApplicationCreate(RequestModel):
    """The application itself: the centre applied to and the achievement with its evidence."""

    centre_id: RowId
    achievement: AchievementCreate


def _multipart(body_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": body_schema}},
        }
    }


_FILES = {"type": "array", "items": {"type": "string", "format": "binary"}}
_SUBMIT = _multipart(
    {
        "type": "object",
        "required": ["application", "files"],
        "properties": {
            "application": {
                "type": "string",
                "description": "JSON of RecognitionApplicationCreate.",
            },
            "files": _FILES,
        },
    }
)
_MATERIAL = _multipart(
    {"type": "object", "properties": {"text": {"type": "string"}, "files": _FILES}}
)


def _invalid(exc: ValidationError) -> InvalidRequest:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors()
    ]
    return InvalidRequest("the application does not match the schema", errors=errors)


@router.post("/learners/{learner_id}/recognition-applications/preview")
def preview_application(
    learner_id: RowId, data: RecognitionApplicationCreate, session: SessionDep, learner: SelfDep
) -> DecisionPublic:
    """What the published standards would give this achievement on the account, now.

    The engine's decision and its explanation in words; nothing is stored.
    """
    return DecisionPublic.of(
        learner_applications.preview(session, learner_id, data.centre_id, data.achievement)
    )


@router.post(
    "/learners/{learner_id}/recognition-applications",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_SUBMIT,
)
async def submit_application(
    learner_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    learner: SelfDep,
) -> EvidenceApplicationPublic:
    """Apply for recognition with evidence files; it waits for a reviewer of that centre.

    Files are PDF, JPEG or PNG by their content (422 ``unsupported_file_type``), at most
    10 (422 ``too_many_files``), 8 MiB each and 20 MiB together (413
    ``evidence_too_large``; a body over the upload cap is 413 ``payload_too_large``
    before it is read). An achievement the standards give nothing for is 422
    ``not_recognised``. Refused applications store nothing.
    """
    fields, files = parse_upload(request.headers.get("content-type", ""), await request.body())
    try:
        data = RecognitionApplicationCreate.model_validate(
            json.loads(fields.get("application", "null"))
        )
    except json.JSONDecodeError:
        raise InvalidRequest("the application part is not JSON") from None
    except ValidationError as exc:
        raise _invalid(exc) from None
    checked = evidence_store.check_all(files)
    application = learner_applications.apply(
        session, settings, learner_id, data.centre_id, data.achievement, checked
    )
    return learner_applications.public(session, application)


@router.get("/learners/{learner_id}/recognition-applications")
def list_applications(
    learner_id: RowId, session: SessionDep, _caller: AdminOrSelfDep
) -> list[EvidenceApplicationPublic]:
    """The learner's applications, newest first, with their status and reviewer's words."""
    return [
        learner_applications.public(session, row)
        for row in learner_applications.for_learner(session, learner_id)
    ]


@router.get("/learners/{learner_id}/recognition-applications/{application_id}")
def read_application(
    learner_id: RowId, application_id: RowId, session: SessionDep, _caller: AdminOrSelfDep
) -> EvidenceApplicationPublic:
    """One application (404 ``not_found`` when it is not this learner's)."""
    row = learner_applications.own(session, learner_id, application_id)
    return learner_applications.public(session, row)


@router.post(
    "/learners/{learner_id}/recognition-applications/{application_id}/material",
    openapi_extra=_MATERIAL,
)
async def add_material(
    learner_id: RowId,
    application_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    learner: SelfDep,
) -> EvidenceApplicationPublic:
    """Add the material a reviewer asked for (409 ``recognition_decided`` unless asked)."""
    fields, files = parse_upload(request.headers.get("content-type", ""), await request.body())
    checked = evidence_store.check_all(files)
    row = learner_applications.add_material(
        session, settings, learner_id, application_id, fields.get("text", ""), checked
    )
    return learner_applications.public(session, row)


def file_response(data: bytes, media_type: str, file_id: int, *, thumbnail: bool) -> Response:
    """An evidence file as served to the learner and reviewers: never sniffed, never framed."""
    if thumbnail and media_type.startswith("image/"):
        data, media_type = evidence_store.thumbnail(data), "image/png"
    extension = evidence_store.EXTENSIONS[media_type]
    disposition = "attachment" if media_type == "application/pdf" else "inline"
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="evidence-{file_id}.{extension}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.get(
    "/learners/{learner_id}/recognition-applications/{application_id}/files/{file_id}",
    response_class=Response,
    responses={200: {"content": {m: {} for m in evidence_store.EXTENSIONS}}},
)
def read_file(
    learner_id: RowId,
    application_id: RowId,
    file_id: RowId,
    session: SessionDep,
    settings: SettingsDep,
    _caller: AdminOrSelfDep,
) -> Response:
    """One evidence file, for its learner (or the operator), with its own Content-Type."""
    learner_applications.own(session, learner_id, application_id)
    row = learner_applications.file_of(session, application_id, file_id)
    data = evidence_store.read(settings.home, row.sha256)
    return file_response(data, row.media_type, file_id, thumbnail=False)
