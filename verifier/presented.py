"""What a university is handed, as credential text: a QR image, or a text file.

The public face of the readers ``creditbank-verify`` uses for its files
(``verifier/_input.py``), for callers that hold the bytes already (an upload):

>>> text = read_presented(png_bytes, "certificate.png")                # doctest: +SKIP
>>> report = evaluate([text], policy, trust)                           # doctest: +SKIP

A PNG / JPEG / GIF / BMP / WebP image gives the text of its QR code (``unreadable_image``,
``no_qr_found``); anything else must be UTF-8 text: a QR credential's text or digits, an
Open Badges 3.0 JWT, a Data Integrity JSON document or an SD-JWT presentation
(``unreadable_input`` when it is neither image nor text). The credential itself is
checked later, by :func:`verifier.transfer.evaluate`.
"""

from __future__ import annotations

from pathlib import PurePath

from verifier._errors import InputError
from verifier._input import MAX_INPUT_BYTES, looks_like_image, read_qr_image

__all__ = ["MAX_INPUT_BYTES", "is_image", "read_presented"]

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"}


def is_image(data: bytes, name: str = "") -> bool:
    """Whether ``data`` (named ``name``) is read as an image."""
    return looks_like_image(data) or PurePath(name).suffix.lower() in _IMAGE_SUFFIXES


def read_presented(data: bytes, name: str = "") -> str:
    """The credential text of one presented file; raises an :class:`InputError` subclass."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"the file is larger than {MAX_INPUT_BYTES} bytes")
    if is_image(data, name):
        return read_qr_image(data)
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InputError("the file is neither an image nor UTF-8 text") from None
    if not text:
        raise InputError("the file is empty")
    return text
