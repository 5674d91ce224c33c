"""An institution's CSV imports over the API: what its workspace's upload form does.

With its API key, or a staff token (``cbs_…``) of one of its members of staff, an
institution uploads a CSV of achievements or of learner accounts as a background job
(``POST /imports``, ``multipart/form-data``: the ``file`` and its ``kind``), follows the
job's status document and downloads the per-row report. The upload goes the console's way
(:mod:`issuer.jobs.uploads`): checked before anything is queued, a refusal audited, the
job committed and then queued for ``creditbank worker``. Another institution's job is
``not_found``, as in the workspace.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from issuer.api.csv_export import CSV_MEDIA_TYPE, csv_response
from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.pagination import Page, PageDep
from issuer.api.principals import Principal, PrincipalDep
from issuer.core.errors import CreditBankError, Forbidden
from issuer.jobs import import_jobs, uploads
from issuer.models import IMPORT_JOB_KINDS, ImportJobPublic, Institution
from issuer.models.input import RowId

__all__ = ["UPLOAD_PATH", "router"]

router = APIRouter(tags=["imports"])
#: The upload's path, whose body the InputGuard lets grow to :data:`uploads.MAX_BODY_BYTES`.
UPLOAD_PATH = r"^/imports$"

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "file"],
                    "properties": {
                        "kind": {"type": "string", "enum": list(IMPORT_JOB_KINDS)},
                        "file": {"type": "string", "format": "binary"},
                    },
                    "additionalProperties": False,
                }
            }
        },
    }
}


def _institution_caller(principal: PrincipalDep) -> Principal:
    if principal.institution is None:
        raise Forbidden("this operation is for institutions, with their API key or staff token")
    return principal


CallerDep = Annotated[Principal, Depends(_institution_caller)]


def _own(caller: Principal) -> Institution:
    assert caller.institution is not None and caller.institution.id is not None
    return caller.institution


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=_UPLOAD_BODY,
    responses={202: {"headers": {"Location": {"schema": {"type": "string"}}}}},
)
async def create_import(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> ImportJobPublic:
    """Queue a CSV file as an import job of the calling institution (202, ``Location``).

    ``kind`` is ``achievements`` (the columns of ``creditbank import achievements``) or
    ``learners`` (accounts to open: ``name``, ``national_id``, …). The file is checked
    before anything is queued: not UTF-8 CSV text is 422 ``csv_unreadable``, a header row
    without the kind's columns 422 ``csv_header``, over 16 MiB or 100,000 rows 413
    ``payload_too_large``, another field than these two 422 ``invalid_request``. Refusals
    are audited; rows refused later are in the job's report, not refusals of the upload.
    """
    institution = _own(caller)
    try:
        upload = uploads.read_upload(request.headers.get("content-type", ""), await request.body())
    except CreditBankError as exc:
        uploads.refuse(session, institution, caller.actor, exc)
        raise
    job = uploads.queue_upload(
        session,
        settings,
        institution,
        upload,
        staff_id=caller.staff.id if caller.staff is not None else None,
        actor=caller.actor,
    )
    response.headers["Location"] = f"/imports/{job.id}"
    return ImportJobPublic.of(job)


@router.get("/imports")
def list_imports(session: SessionDep, page: PageDep, caller: CallerDep) -> Page[ImportJobPublic]:
    """The calling institution's import jobs, newest first."""
    institution_id = _own(caller).id
    assert institution_id is not None
    jobs = import_jobs.list_jobs(session, institution_id, limit=page.limit, offset=page.offset)
    return Page(
        items=[ImportJobPublic.of(job) for job in jobs],
        total=import_jobs.count_jobs(session, institution_id),
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/imports/{job_id}")
def get_import(
    job_id: RowId, response: Response, session: SessionDep, caller: CallerDep
) -> ImportJobPublic:
    """One job's status document (404 ``not_found`` for another institution's job)."""
    institution_id = _own(caller).id
    assert institution_id is not None
    response.headers["Cache-Control"] = "no-store"
    return ImportJobPublic.of(import_jobs.get_job(session, job_id, institution_id))


@router.get(
    "/imports/{job_id}/report.csv",
    response_class=Response,
    responses={200: {"content": {CSV_MEDIA_TYPE: {}}, "description": "One line per row."}},
)
def get_import_report(job_id: RowId, session: SessionDep, caller: CallerDep) -> Response:
    """The report: one line per data row with its outcome (``line, status, detail,
    credits``), the rows done so far while the job runs; the workspace's download."""
    institution_id = _own(caller).id
    assert institution_id is not None
    job = import_jobs.get_job(session, job_id, institution_id)
    return csv_response(
        f"import-{job.id}-report.csv",
        import_jobs.REPORT_COLUMNS,
        import_jobs.report_lines(session, job_id),
    )
