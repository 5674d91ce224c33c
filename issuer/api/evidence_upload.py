"""Reading a learner's evidence upload: a ``multipart/form-data`` body into fields and files.

Parsed with the ``multipart`` library (as the registrar's upload is) under explicit limits:
at most :data:`MAX_PARTS` parts, no part larger than the whole upload may be
(:data:`MAX_UPLOAD_BYTES`, also the :class:`issuer.api.input_guard.InputGuard` cap of these
routes, so a 50 MB file is refused before it is read). The per-file and per-application
caps, and the type of each file, are :mod:`issuer.conversion.evidence_store`'s.
"""

from __future__ import annotations

import io
from pathlib import Path

import multipart

from issuer.conversion.evidence_store import MAX_APPLICATION_BYTES, MAX_FILE_BYTES, MAX_FILES
from issuer.core.errors import InvalidRequest, TooManyFiles

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
    kind, options = multipart.parse_options_header(content_type)
    boundary = options.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise InvalidRequest("the upload is not multipart/form-data")
    fields: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    try:
        parser = multipart.MultipartParser(
            io.BytesIO(body),
            boundary,
            content_length=len(body),
            part_limit=MAX_PARTS,
            partsize_limit=MAX_UPLOAD_BYTES,
            memory_limit=MAX_UPLOAD_BYTES,
            spool_limit=MAX_UPLOAD_BYTES,
        )
        for part in parser:
            if part.filename is None:
                fields.setdefault(part.name, part.value[:4000])
            elif part.filename or part.size:  # an empty file input sends neither
                name = Path(part.filename.replace("\\", "/")).name[:200] or "file"
                files.append((name, part.raw))
    except multipart.MultipartError as exc:
        if "part" in str(exc).lower() and "limit" in str(exc).lower():
            raise TooManyFiles(f"at most {MAX_FILES} files at once") from None
        raise InvalidRequest(f"the upload cannot be read: {exc}") from None
    if any("\x00" in value for value in fields.values()):
        raise InvalidRequest("NUL characters are not accepted")
    return fields, files
