"""Four QR decoders we did not write, to read printed and on-screen certificates in tests.

zxing-cpp, ZBar (``pyzbar`` over Debian's ``libzbar0``), OpenCV's ``QRCodeDetector`` and
the verify page's own vendored jsQR (run in node by ``tests/interop/js/jsqr_read.cjs``).
Each reader takes a PIL image and returns the decoded texts (empty when it finds none).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from PIL import Image

JSQR_SCRIPT = Path(__file__).parent / "interop" / "js" / "jsqr_read.cjs"
#: The verify page scales a photo down to at most this many pixels on its long side.
PAGE_MAX_SIDE = 1600


def zxing(image: Image.Image) -> list[str]:
    import zxingcpp

    results = zxingcpp.read_barcodes(image.convert("RGB"))
    return [r.text for r in results if r.valid and "QR" in str(r.format)]


def zbar(image: Image.Image) -> list[str]:
    from pyzbar import pyzbar

    found = pyzbar.decode(image.convert("L"), symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [r.data.decode("utf-8") for r in found]


def _opencv(image: Image.Image, aruco: bool) -> list[str]:
    import cv2
    import numpy as np

    pixels = np.asarray(image.convert("L"))
    detector = cv2.QRCodeDetectorAruco() if aruco else cv2.QRCodeDetector()
    text, _points, _straight = detector.detectAndDecode(pixels)
    return [text] if text else []


def opencv(image: Image.Image) -> list[str]:
    return _opencv(image, aruco=False)


def opencv_aruco(image: Image.Image) -> list[str]:
    return _opencv(image, aruco=True)


def jsqr(image: Image.Image) -> list[str]:
    """jsQR on the image as the verify page hands it over (long side at most 1600 px)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed: the jsQR reader needs it")
    scale = min(1.0, PAGE_MAX_SIDE / max(image.size))
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    rgba = image.convert("RGBA")
    done = subprocess.run(
        [node, str(JSQR_SCRIPT), str(rgba.width), str(rgba.height)],
        input=rgba.tobytes(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    data = json.loads(done.stdout)["data"]
    return [] if data is None else [data]


DECODERS: dict[str, Callable[[Image.Image], list[str]]] = {
    "zxing-cpp": zxing,
    "zbar": zbar,
    "opencv": opencv,
    "opencv-aruco": opencv_aruco,
    "jsqr": jsqr,
}
