"""creditbank-verify tries several views of a photo before saying no QR code was found."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageFilter

from issuer.credentials.qr_image import render_png
from verifier import NoQRCode
from verifier._input import read_qr_image
from verifier._photo import plan

VALID = Path(__file__).parents[1] / "vectors" / "cbqr" / "valid" / "input.txt"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _far_soft_qr(text: str) -> Image.Image:
    """A soft photo in which the QR code is a small patch in a corner of a large frame."""
    qr = Image.open(io.BytesIO(render_png(text))).convert("RGB").resize((160, 160))
    frame = Image.new("RGB", (3200, 3200), (235, 235, 235))
    frame.paste(qr, (2600, 2700))
    return frame.filter(ImageFilter.GaussianBlur(1.0))


def test_a_qr_code_the_decoder_misses_as_it_is_is_read_from_a_window() -> None:
    text = VALID.read_text("utf-8").strip()
    photo = _far_soft_qr(text)
    # The decoder alone does not find it in the photo as it is …
    assert not [r for r in zxingcpp.read_barcodes(photo) if r.valid]
    # … the views of the photo do.
    assert read_qr_image(_png(photo)) == text


def test_no_qr_code_in_any_view_is_no_qr_found() -> None:
    with pytest.raises(NoQRCode) as caught:
        read_qr_image(_png(Image.new("RGB", (1200, 900), (200, 200, 200))))
    assert caught.value.code == "no_qr_found"


def test_the_views_are_those_of_the_page() -> None:
    # photo.js: as it is, sharpened twice, three sizes, 9 + 4 windows, four turns.
    kinds = [view.kind for view in plan()]
    assert kinds == ["as-is"] + ["sharpened"] * 2 + ["whole"] * 3 + ["window"] * 13 + ["turn"] * 4
    page = (Path(__file__).parents[2] / "verifier/static/verify/photo.js").read_text("utf-8")
    assert "const WHOLE = [1600, 1000, 2400];" in page and "const TURNS = [6, -6, 12, -12];" in page
    assert "const SHARPER_LONGEST = 2000;" in page and "sharpen: 2 }" in page
