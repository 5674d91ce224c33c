"""Reading what a verifier is handed: a QR image, a text file, or standard input."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from verifier._errors import InputError, NoQRCode, UnreadableImage
from verifier._photo import read_photo

#: Longest input read from a file or stdin; a QR code holds far less.
MAX_INPUT_BYTES = 8 * 1024 * 1024
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"BM", b"RIFF")


def looks_like_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_MAGIC)


def read_qr_image(data: bytes) -> str:
    """The text of the QR code in a PNG/JPEG image (zxing-cpp, on several views of it)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UnreadableImage(f"cannot read the image: {exc}") from None
    text = read_photo(rgb)
    if text is not None:
        return text
    raise NoQRCode("the image holds no readable QR code")


def read_input(source: str, stdin: BinaryIO | None = None) -> str:
    """The credential text from a file path (image or text) or ``-`` for ``stdin``."""
    if source == "-":
        if stdin is None:
            raise InputError("no standard input to read")
        data = stdin.read(MAX_INPUT_BYTES + 1)
    else:
        path = Path(source)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"the input is larger than {MAX_INPUT_BYTES} bytes")
    if looks_like_image(data) or (source != "-" and Path(source).suffix.lower() in _IMAGE_SUFFIXES):
        return read_qr_image(data)
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InputError("the input is neither an image nor UTF-8 text") from None


_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"}
