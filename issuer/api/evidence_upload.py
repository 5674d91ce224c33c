"""Reading a learner's evidence upload: a ``multipart/form-data`` body into fields and files.

Read by :func:`issuer.core.form_data.read_form_data` (as every upload is) under limits:
at most :data:`MAX_PARTS` parts, no part larger than the whole upload may be
(:data:`MAX_UPLOAD_BYTES`, also the :class:`issuer.api.input_guard.InputGuard` cap of these
routes, so a 50 MB file is refused before it is read). The per-file and per-application
caps, and the type of each file, are :mod:`issuer.conversion.evidence_store`'s.
"""

from __future__ import annotations

from issuer.conversion.evidence_store import MAX_APPLICATION_BYTES, MAX_FILE_BYTES, MAX_FILES
from issuer.core.errors import InvalidRequest, TooManyFiles
from issuer.core.form_data import FormDataRefused, read_form_data

__all__ = ["MAX_PARTS", "MAX_UPLOAD_BYTES", "UPLOAD_PATHS", "parse_upload"]

#: A few text fields and the files of one round.
MAX_PARTS = MAX_FILES + 40
#: The files of an application together and one more file: a body over the application's
#: cap by less than a file still reaches the reader, which names the cap
#: (``evidence_too_large``); anything larger is never read.
MAX_UPLOAD_BYTES = MAX_APPLICATION_BYTES + MAX_FILE_BYTES
#: The routes that take an evidence upload (portal pages and the API).
UPLOAD_PATHS = (
    r"^/portal/recognitions(/\d+/material)?$",
    r"^/learners/\d+/recognition-applications(/\d+/material)?$",
)


def parse_upload(content_type: str, body: bytes) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """The text fields (first value of each) and the chosen files of ``body``."""
    try:
        fields, files = read_form_data(
            content_type, body, max_parts=MAX_PARTS, max_bytes=MAX_UPLOAD_BYTES, field_chars=4000
        )
    except FormDataRefused as exc:
        if exc.too_many_parts:
            raise TooManyFiles(f"at most {MAX_FILES} files at once") from None
        raise InvalidRequest(exc.detail) from None
    files = [(name or "file", data) for name, data in files]
    if any("\x00" in value for value in fields.values()):
        raise InvalidRequest("NUL characters are not accepted")
    return fields, files
