"""The QR code as the certificate prints it: vector modules on the screen's pixel grid.

Measured on the demo's two-entry credential (QR version 17 at level M) rendered from the
PDF by pdftoppm and read by zxing-cpp, ZBar, OpenCV and jsQR (tests/qr_decoders.py): a
45 mm bitmap (0.48 mm modules, 1.9 device pixels at 100 dpi) was read by 2 of them at
100 dpi. What makes the difference is modules that fall on whole device pixels:

* each module is :data:`MODULE_INCH` = 3/100 inch (0.762 mm): 3 pixels at 100 dpi (a PDF
  at 100 % on an ordinary monitor), 4.5 at 150 and 9 at 300 dpi; a version-17 symbol
  with its 4-module quiet zone is 71 mm wide. Symbols above version 20 (more than 80 mm)
  fall back to 2/100 inch (0.508 mm: 2, 3 and 6 pixels);
* the symbol's corner is snapped to the 1/50-inch grid of the page, so module edges land
  on pixel edges at 100, 150 and 300 dpi instead of smearing into grey;
* the dark modules are one filled vector path (no bitmap resampling by the viewer, and no
  anti-aliasing seams between neighbouring modules that a rectangle per module leaves).

Error correction stays at level M (15 % of the symbol may be lost: a fold or a stain on
paper); level L would make the symbol 3 versions smaller but leaves only 7 %.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import inch
from reportlab.platypus import Flowable

from issuer.credentials.qr_image import BORDER, build_qr

__all__ = ["GRID_INCH", "MODULE_INCH", "SMALL_MODULE_INCH", "QRFlowable", "module_inch"]

MODULE_INCH = 3 / 100
SMALL_MODULE_INCH = 2 / 100
#: Module edges are whole pixels at 100, 150 and 300 dpi when the corner is on this grid.
GRID_INCH = 1 / 50
#: Largest printed side (with quiet zone) at :data:`MODULE_INCH`, in inches (80 mm).
MAX_SIDE_INCH = 80 / 25.4


def module_inch(modules: int) -> float:
    """The printed module size for a symbol of ``modules`` modules a side (with its border)."""
    return MODULE_INCH if modules * MODULE_INCH <= MAX_SIDE_INCH else SMALL_MODULE_INCH


class QRFlowable(Flowable):
    """The QR code of ``qr_text`` at level M with a 4-module quiet zone, snapped to the grid.

    It takes one grid step more than the symbol in each direction, the room it may move
    by when snapped.
    """

    def __init__(self, qr_text: str) -> None:
        super().__init__()
        self.matrix: list[list[bool]] = build_qr(qr_text).get_matrix()
        self.version = len(self.matrix) - 2 * BORDER
        self.module = module_inch(len(self.matrix)) * inch
        self.side = len(self.matrix) * self.module
        self.width = self.height = self.side + GRID_INCH * inch

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas: Any = self.canv
        grid = GRID_INCH * inch
        # The page's top-left corner is pixel (0, 0) of a rendering: snap the symbol's
        # top-left corner, measured from there, up and left onto the grid.
        page_height = canvas._pagesize[1]
        left, top = canvas.absolutePosition(0, self.height)
        from_top = page_height - top
        dx = (left // grid + 1) * grid - left
        dy = (from_top // grid + 1) * grid - from_top
        x0, y_top = dx, self.height - dy
        size = self.module
        path = canvas.beginPath()
        for row, cells in enumerate(self.matrix):
            start: int | None = None
            for column, dark in enumerate([*cells, False]):
                if dark and start is None:
                    start = column
                elif not dark and start is not None:
                    path.rect(
                        x0 + start * size, y_top - (row + 1) * size, (column - start) * size, size
                    )
                    start = None
        canvas.saveState()
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(x0, y_top - self.side, self.side, self.side, stroke=0, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()
