"""A CSV file uploaded to become an import job: read, checked, queued, a refusal audited.

One path for the institution workspace's upload form (``issuer/console/workspace_jobs.py``)
and ``POST /imports`` (``issuer/api/imports.py``):

- :func:`read_upload` reads the ``multipart/form-data`` body under the job's limits (the
  ``multipart`` library, through :func:`issuer.core.form_data.read_form_data`);
- :func:`queue_upload` checks the text fields (:class:`issuer.models.ImportJobCreate`:
  ``kind`` and nothing else), the file (:func:`issuer.jobs.import_jobs.create_job`:
  ``csv_unreadable``, ``csv_header``, ``payload_too_large``), commits the job with its
  audit event and only then puts it on the queue, so no worker looks for a job that is not
  committed yet;
- a refused upload keeps nothing but its audit event (:func:`refuse`:
  ``import_job.refused.<code>``, the code as its reason, committed alone).

The console checks its form's CSRF token (a field of the same body) between the two.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlmodel import Session

from issuer.core import audit
from issuer.core.errors import CreditBankError, InvalidRequest
from issuer.core.form_data import FormDataRefused, read_form_data
from issuer.core.settings import Settings
from issuer.jobs import import_jobs, queue
from issuer.models import ImportJob, ImportJobCreate, Institution

__all__ = ["MAX_BODY_BYTES", "Upload", "queue_upload", "read_upload", "refuse"]

#: The largest upload body read: the largest file a job takes and room for the form.
MAX_BODY_BYTES = import_jobs.MAX_FILE_BYTES + 64 * 1024


@dataclass(frozen=True)
class Upload:
    """An upload's text fields (first value of each), its file's name and bytes."""

    fields: dict[str, str]
    filename: str = ""
    content: bytes = b""
    files: int = 0


def read_upload(content_type: str, body: bytes) -> Upload:
    """The fields and the (first) file of ``body``; ``invalid_request`` when unreadable."""
    try:
        fields, files = read_form_data(
            content_type, body, max_parts=10, max_bytes=MAX_BODY_BYTES, field_chars=200
        )
    except FormDataRefused as exc:
        raise InvalidRequest(exc.detail) from None
    if not files:
        return Upload(fields)
    name, content = files[0]
    return Upload(fields, name, content, len(files))


def _checked(fields: dict[str, str], upload: Upload) -> ImportJobCreate:
    try:
        data = ImportJobCreate.model_validate(fields)
    except ValidationError as exc:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        names = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors)
        raise InvalidRequest(
            f"the upload's fields are not valid ({names}): kind is achievements or learners",
            errors=errors,
        ) from None
    if upload.files != 1 or not upload.content:
        raise InvalidRequest("choose one CSV file")
    return data


def refuse(
    session: Session,
    institution: Institution,
    actor: str,
    exc: CreditBankError,
    filename: str = "",
) -> None:
    """Roll back what ``session`` holds and commit the refused upload's audit event alone."""
    audit.record_refusal(
        session,
        actor=actor,
        action=f"import_job.refused.{exc.code}",
        subject=f"institution:{institution.code}",
        payload={"detail": exc.detail, "filename": filename},
        summary=f"CSV upload refused: {exc.detail}",
        reason=exc.code,
        details={"institution_id": institution.id, "filename": filename[:200]},
    )


def queue_upload(
    session: Session,
    settings: Settings,
    institution: Institution,
    upload: Upload,
    *,
    staff_id: int | None,
    actor: str,
    ignore: tuple[str, ...] = (),
) -> ImportJob:
    """Check ``upload``, store it as a job of ``institution``, commit, then queue it.

    ``ignore`` names fields checked by the caller (the console's ``csrf``). A refusal is
    audited (:func:`refuse`) and raised; nothing else of it is kept.
    """
    fields = {name: value for name, value in upload.fields.items() if name not in ignore}
    try:
        data = _checked(fields, upload)
        job = import_jobs.create_job(
            session,
            institution,
            data.kind,
            upload.filename,
            upload.content,
            staff_id=staff_id,
            actor=actor,
        )
    except CreditBankError as exc:
        refuse(session, institution, actor, exc, upload.filename)
        raise
    session.commit()
    assert job.id is not None
    queue.enqueue_import(settings, job.id)
    return job
