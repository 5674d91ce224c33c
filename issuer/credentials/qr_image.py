"""QR images of ``cbqr`` credentials: the URL as a byte segment, the JWS digits as a numeric one.

Two segments in one symbol keep the code small: numeric mode packs 3 digits into
10 bits, and a phone camera still sees an ordinary URL to open (docs/formats.md §2).
"""

from __future__ import annotations

import io
from typing import Final

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.util import MODE_8BIT_BYTE, MODE_NUMBER, QRData

# qrcode's own constants are typed as plain int; its QRData overloads want literals.
_NUMERIC: Final = 1
_BYTES: Final = 4
assert (_NUMERIC, _BYTES) == (MODE_NUMBER, MODE_8BIT_BYTE)

#: Pixels per module of the PNG: 10 px makes a 81-module symbol 890 px wide with its border.
BOX_SIZE = 10
BORDER = 4


def build_qr(qr_text: str) -> qrcode.QRCode[PilImage]:
    """The QR symbol for ``qr_text`` (``<base>/v1#<digits>``) at error correction M."""
    base, sep, digits = qr_text.partition("#")
    symbol = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=BOX_SIZE,
        border=BORDER,
        image_factory=PilImage,
    )
    if sep and digits.isdigit():
        symbol.add_data(QRData((base + sep).encode("utf-8"), mode=_BYTES))
        symbol.add_data(QRData(digits, mode=_NUMERIC))
    else:
        symbol.add_data(QRData(qr_text.encode("utf-8"), mode=_BYTES))
    symbol.make(fit=True)
    return symbol


def qr_version(qr_text: str) -> int:
    """The QR version (1-40) that ``qr_text`` needs at error correction M."""
    return int(build_qr(qr_text).version)


def render_png(qr_text: str) -> bytes:
    """A PNG image of the QR code for ``qr_text``."""
    image = build_qr(qr_text).make_image()
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
