"""Evidence files: their type found from their content, their size capped, kept by SHA-256.

A file is a PDF only when pypdf reads at least one page from it, a JPEG or PNG only when
Pillow opens and verifies it as one; the name and the declared type are never believed
(a "photo.jpg" that is HTML is ``unsupported_file_type``). Each file is at most
:data:`MAX_FILE_BYTES`, an application holds at most :data:`MAX_FILES` files per round and
:data:`MAX_APPLICATION_BYTES` in all (``too_many_files``, ``evidence_too_large``).

:func:`check` runs on every file before anything is stored; :func:`save` then writes
each one under ``<data directory>/evidence/<sha256[:2]>/<sha256>`` (written to a
temporary name and renamed, so a reader never sees half a file; the same content is
stored once). Nothing here serves a file: the callers check who may read it.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from issuer.core.errors import EvidenceTooLarge, TooManyFiles, UnsupportedFileType

__all__ = [
    "MAX_APPLICATION_BYTES",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "CheckedFile",
    "check",
    "check_all",
    "check_caps",
    "path_of",
    "read",
    "save",
    "thumbnail",
]

MAX_FILES = 10
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_APPLICATION_BYTES = 20 * 1024 * 1024
#: A photo of a certificate is a few megapixels; more is refused (a decompression bomb).
MAX_PIXELS = 40_000_000
THUMBNAIL_PIXELS = 320
_IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """One accepted file: its bytes, its type from its content and its SHA-256."""

    name: str
    data: bytes
    media_type: str
    sha256: str


def _image_type(data: bytes) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                found = _IMAGE_TYPES.get(str(image.format))
                if found is None or image.width * image.height > MAX_PIXELS:
                    return None
                image.verify()
                return found
        except (UnidentifiedImageError, Image.DecompressionBombWarning, OSError, ValueError):
            return None
        except Image.DecompressionBombError:
            return None


def _is_pdf(data: bytes) -> bool:
    if not data.startswith(b"%PDF-"):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return len(PdfReader(io.BytesIO(data), strict=False).pages) >= 1
        except (PyPdfError, OSError, ValueError, KeyError, TypeError):
            return False


def check(name: str, data: bytes) -> CheckedFile:
    """``data`` as an accepted evidence file, or the error that refuses it."""
    shown = Path(name.replace("\\", "/")).name[:200] or "file"
    if len(data) > MAX_FILE_BYTES:
        raise EvidenceTooLarge(f"{shown} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    media_type = "application/pdf" if _is_pdf(data) else _image_type(data)
    if media_type is None:
        raise UnsupportedFileType(f"{shown} is not a PDF, JPEG or PNG file")
    return CheckedFile(shown, data, media_type, hashlib.sha256(data).hexdigest())


def check_caps(count: int, total: int) -> None:
    """The count cap of one round and the size cap of an application (``total`` bytes)."""
    if count > MAX_FILES:
        raise TooManyFiles(f"at most {MAX_FILES} files at once")
    if total > MAX_APPLICATION_BYTES:
        raise EvidenceTooLarge(
            f"the files of one application are at most {MAX_APPLICATION_BYTES // (1024 * 1024)} MiB"
        )


def check_all(files: list[tuple[str, bytes]], *, already: int = 0) -> list[CheckedFile]:
    """Every file checked, with the count and total caps (``already``: bytes held before)."""
    check_caps(len(files), already + sum(len(data) for _, data in files))
    return [check(name, data) for name, data in files]


def path_of(home: Path, sha256: str) -> Path:
    """Where the file with this SHA-256 is kept."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return home / "evidence" / sha256[:2] / sha256


def save(home: Path, checked: CheckedFile) -> Path:
    """Store ``checked`` (once per content) and return its path."""
    target = path_of(home, checked.sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(f".{checked.sha256}.{os.getpid()}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(checked.data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    return target


def read(home: Path, sha256: str) -> bytes:
    """The bytes of a stored file."""
    return path_of(home, sha256).read_bytes()


def thumbnail(data: bytes) -> bytes:
    """A small PNG of an image (no metadata of the original, e.g. no GPS position)."""
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB")
        small.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
        out = io.BytesIO()
        small.save(out, format="PNG")
        return out.getvalue()
