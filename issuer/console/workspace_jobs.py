"""The institution workspace's CSV imports: upload, progress, report.

The upload (``multipart/form-data``; its body capped by the InputGuard for
:data:`UPLOAD_PATH`) goes the way of ``POST /imports`` (:mod:`issuer.jobs.uploads`): read,
its CSRF token checked, the file checked before a job exists (``csv_unreadable``,
``csv_header``; a refusal is audited and shown on the form), then queued for
``creditbank worker``. The job's page shows a progress bar that a small script of our own
(``job-progress.js``, no library) keeps up to date from :func:`status` once a second; the
report is a CSV of every row's outcome.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from issuer.api.csv_export import csv_response
from issuer.api.deps import SessionDep, SettingsDep
from issuer.console.render import ConsoleRoute, form_refusal, page
from issuer.console.workspace_pages import InstitutionStaffDep, institution_of
from issuer.core.errors import CreditBankError, CsrfFailed
from issuer.jobs import import_jobs, uploads
from issuer.models import ImportJob, ImportJobPublic
from issuer.models.input import RowId
from issuer.staff import sessions

__all__ = ["UPLOAD_PATH", "router"]

router = APIRouter(prefix="/console/workspace", include_in_schema=False, route_class=ConsoleRoute)
#: The upload's path, whose body the InputGuard lets grow to its upload limit.
UPLOAD_PATH = r"^/console/workspace/\d+/imports$"
_SCRIPT = files("issuer.console").joinpath("static/job-progress.js")
#: The job page runs our one script and fetches its status from this origin only.
_JOB_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _imports_page(
    request: Request,
    session: SessionDep,
    current: Any,
    institution_id: int,
    error: CreditBankError | None = None,
) -> HTMLResponse:
    institution = institution_of(session, current, institution_id)
    return page(
        request,
        "workspace_imports.html",
        staff=current,
        csrf=current.csrf,
        institution=institution,
        jobs=import_jobs.list_jobs(session, institution_id),
        columns=import_jobs.REQUIRED_COLUMNS,
        **form_refusal(request, error),
    )


@router.get("/{institution_id}/imports")
def imports(
    request: Request, session: SessionDep, current: InstitutionStaffDep, institution_id: RowId
) -> HTMLResponse:
    """The upload form and the institution's recent jobs."""
    return _imports_page(request, session, current, institution_id)


@router.post("/{institution_id}/imports")
async def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    current: InstitutionStaffDep,
    institution_id: RowId,
) -> Response:
    """Check the uploaded CSV, queue it as a job and go to its page."""
    institution = institution_of(session, current, institution_id)
    upload = uploads.read_upload(request.headers.get("content-type", ""), await request.body())
    if not sessions.check_csrf(current.session, upload.fields.get("csrf", "")):
        raise CsrfFailed("the form's CSRF token is missing or wrong")
    try:
        job = uploads.queue_upload(
            session,
            settings,
            institution,
            upload,
            staff_id=current.staff.id,
            actor=current.actor,
            ignore=("csrf",),
        )
    except CreditBankError as exc:
        return _imports_page(request, session, current, institution_id, exc)
    return RedirectResponse(
        f"/console/workspace/{institution_id}/imports/{job.id}", status.HTTP_303_SEE_OTHER
    )


def _status(job: ImportJob) -> dict[str, Any]:
    # The status document of GET /imports/{id} (docs/formats.md).
    return ImportJobPublic.of(job).model_dump(mode="json")


@router.get("/{institution_id}/imports/{job_id}")
def job_page(
    request: Request,
    session: SessionDep,
    current: InstitutionStaffDep,
    institution_id: RowId,
    job_id: RowId,
) -> HTMLResponse:
    """One job: its progress bar (kept current by job-progress.js) and, once done, its report."""
    institution = institution_of(session, current, institution_id)
    job = import_jobs.get_job(session, job_id, institution_id)
    response = page(
        request,
        "workspace_job.html",
        staff=current,
        csrf=current.csrf,
        institution=institution,
        job=job,
        status=_status(job),
    )
    response.headers["Content-Security-Policy"] = _JOB_CSP
    return response


@router.get("/{institution_id}/imports/{job_id}/status")
def status_of(
    session: SessionDep, current: InstitutionStaffDep, institution_id: RowId, job_id: RowId
) -> JSONResponse:
    """The job's progress as JSON (what the progress bar polls)."""
    institution_of(session, current, institution_id)
    job = import_jobs.get_job(session, job_id, institution_id)
    return JSONResponse(_status(job), headers={"Cache-Control": "no-store"})


@router.get("/{institution_id}/imports/{job_id}/report.csv")
def report(
    session: SessionDep, current: InstitutionStaffDep, institution_id: RowId, job_id: RowId
) -> Response:
    """Every row's outcome: line, status, detail, credits."""
    institution_of(session, current, institution_id)
    job = import_jobs.get_job(session, job_id, institution_id)
    return csv_response(
        f"import-{job.id}-report.csv",
        import_jobs.REPORT_COLUMNS,
        import_jobs.report_lines(session, job_id),
    )


@router.get("/static/job-progress.js")
def script() -> Response:
    """The progress bar's script (ours, vendored with the package)."""
    return Response(
        _SCRIPT.read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
