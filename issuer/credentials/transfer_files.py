"""Presented credentials as files, many at once, read one by one.

The registrar's upload (:mod:`issuer.console.registrar_pages`) and ``POST
/transfer-applications/{id}/checks`` (:mod:`issuer.api.transfer_checks`) read their
``multipart/form-data`` body with :func:`issuer.core.form_data.read_form_data` under the
same explicit limits: at most :data:`MAX_FILES` files of at most :data:`MAX_FILE_BYTES`
each, the whole body at most :data:`MAX_UPLOAD_BYTES` (the
:class:`issuer.api.input_guard.InputGuard` cap of these routes). Each file becomes the
text of one credential (:func:`verifier.presented.read_presented`) or a
:class:`Presented` carrying the error code that says why not; one unreadable file never
stops the others.

A PDF certificate prints its QR code as vector paths, so its first page is rendered with
``pdftoppm`` (Debian poppler-utils) and the image read like a photo.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from issuer.core.form_data import FormDataRefused, read_form_data
from verifier import InputError, VerificationError
from verifier.presented import read_presented

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_UPLOAD_BYTES",
    "Presented",
    "UploadRefused",
    "parse_upload",
    "read_file",
    "read_upload",
]

MAX_FILES = 200
MAX_FILE_BYTES = 8 * 1024 * 1024
#: The whole upload: 200 QR photos of ~150 KB fit; the InputGuard refuses more with 413.
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
#: Rendering a one-page certificate takes well under a second; a hostile PDF is cut off.
PDF_SECONDS = 10
_PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True, slots=True)
class Presented:
    """One uploaded file: its credential text, or the code and detail of why it has none."""

    name: str
    text: str | None
    code: str | None = None
    detail: str | None = None
    #: SHA-256 (hex) of the file's bytes: the same file uploaded again is a duplicate.
    sha256: str = ""


class UploadRefused(Exception):
    """The post is not a readable upload (no files, too many, not multipart)."""

    def __init__(self, detail: str, *, too_many: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.too_many = too_many


def _pdf_page_png(data: bytes) -> bytes:
    if shutil.which("pdftoppm") is None:
        raise InputError("PDF files cannot be read here: pdftoppm is not installed")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        command = ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile"]
        try:
            # A fixed program on a file of our own temporary folder: no shell, no user text.
            subprocess.run(  # noqa: S603
                [*command, str(source), str(Path(folder) / "page")],
                check=True,
                capture_output=True,
                timeout=PDF_SECONDS,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            raise InputError("the PDF cannot be rendered") from None
        return (Path(folder) / "page.png").read_bytes()


def read_file(name: str, data: bytes) -> Presented:
    """The credential text of one file (image, PDF or text), or why it has none."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"the file is larger than {MAX_FILE_BYTES} bytes")
        if data.startswith(_PDF_MAGIC):
            return Presented(name, read_presented(_pdf_page_png(data), "page.png"), sha256=digest)
        return Presented(name, read_presented(data, name), sha256=digest)
    except VerificationError as error:
        return Presented(name, None, error.code, error.detail, digest)


def read_upload(
    content_type: str, body: bytes, *, field_chars: int = 1000
) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """The text fields and the files (name, bytes) of a ``multipart/form-data`` body, unread.

    At most :data:`MAX_FILES` files (``too_many``); a large file is refused alone, by
    :func:`read_file`.
    """
    try:
        fields, files = read_form_data(
            content_type,
            body,
            max_parts=MAX_FILES + 10,
            max_bytes=MAX_UPLOAD_BYTES,
            field_chars=field_chars,
        )
    except FormDataRefused as exc:
        raise UploadRefused(exc.detail, too_many=exc.too_many_parts) from None
    if len(files) > MAX_FILES:
        raise UploadRefused(f"at most {MAX_FILES} files at once", too_many=True)
    return fields, files


def parse_upload(content_type: str, body: bytes) -> tuple[dict[str, str], list[Presented]]:
    """The text fields and the files of a ``multipart/form-data`` body, files read."""
    fields, files = read_upload(content_type, body)
    if not files:
        raise UploadRefused("choose at least one file")
    return fields, [read_file(name, data) for name, data in files]
