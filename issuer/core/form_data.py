"""Reading a ``multipart/form-data`` body under explicit limits (the ``multipart`` library).

Every upload of the service — the registrar's presented credentials, a learner's evidence
files, an institution's CSV import — reads its body here: at most ``max_parts`` parts, no
part and no spooled body larger than ``max_bytes``, text fields cut to ``field_chars``
(first value of each name), file names reduced to their last path segment. An empty file
input (no name, no bytes) is not a file. What each upload allows beyond that (how many
files, their types and sizes) is its own module's.
"""

from __future__ import annotations

import io
from pathlib import Path

import multipart

__all__ = ["FormDataRefused", "read_form_data"]


class FormDataRefused(Exception):
    """The body is not ``multipart/form-data`` or cannot be read within the limits."""

    def __init__(self, detail: str, *, too_many_parts: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.too_many_parts = too_many_parts


def read_form_data(
    content_type: str, body: bytes, *, max_parts: int, max_bytes: int, field_chars: int
) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """The text fields and the files (name, bytes) of ``body``, in order."""
    kind, options = multipart.parse_options_header(content_type)
    boundary = options.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise FormDataRefused("the upload is not multipart/form-data")
    fields: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    try:
        parser = multipart.MultipartParser(
            io.BytesIO(body),
            boundary,
            content_length=len(body),
            part_limit=max_parts,
            partsize_limit=max_bytes,
            memory_limit=max_bytes,
            spool_limit=max_bytes,
        )
        for part in parser:
            if part.filename is None:
                fields.setdefault(part.name, part.value[:field_chars])
            elif part.filename or part.size:
                name = Path(part.filename.replace("\\", "/")).name[:200]
                files.append((name, part.raw))
    except multipart.MultipartError as exc:
        text = str(exc).lower()
        raise FormDataRefused(
            f"the upload cannot be read: {exc}",
            too_many_parts="part" in text and "limit" in text,
        ) from None
    return fields, files
