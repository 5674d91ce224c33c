"""Reading the QR code of a photo, trying harder before giving up.

The decoder (zxing-cpp) is tried on a sequence of views of the photo, cheapest and
likeliest first, and the first that reads wins: the photo as it is, sharpened, the whole
photo at a few sizes, then
windows cut out of it (the QR code larger in each), then the photo turned a few degrees
either way. The verify page walks the same sequence with its own decoder
(verifier/static/verify/photo.js), so that the page and the CLI agree on which photos
can be read. Hand-written because no decoder library offers a retry plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageFilter

#: The 3×3 sharpening kernel of photo.js (centre 5, its four neighbours −1).
_SHARPEN = ImageFilter.Kernel((3, 3), (0, -1, 0, -1, 5, -1, 0, -1, 0), scale=1)

#: Longest side, in pixels, of the views of the whole photo after the photo as it is.
WHOLE = (1600, 1000, 2400)
#: Windows as (left, top, size) fractions of the photo's width and height.
WINDOWS = tuple(
    (left * step, top * step, size)
    for size, step, count in ((0.5, 0.25, 3), (0.667, 0.333, 2))
    for top in range(count)
    for left in range(count)
)
WINDOW_LONGEST = 1200
#: Small turns of the whole photo, in degrees.
TURNS = (6, -6, 12, -12)


@dataclass(frozen=True)
class View:
    """One way of looking at the photo: a crop, scaled to ``longest`` pixels, turned."""

    kind: str
    longest: int | None
    crop: tuple[float, float, float] = (0.0, 0.0, 1.0)
    turn: float = 0.0
    sharpen: bool = False

    def render(self, image: Image.Image) -> Image.Image:
        left, top, size = self.crop
        if self.crop != (0.0, 0.0, 1.0):
            box = (
                round(left * image.width),
                round(top * image.height),
                round(min(1.0, left + size) * image.width),
                round(min(1.0, top + size) * image.height),
            )
            image = image.crop(box)
        if self.longest is not None:
            scale = self.longest / max(image.size)
            size_px = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size_px, Image.Resampling.LANCZOS)
        if self.turn:
            image = image.rotate(
                self.turn, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white"
            )
        if self.sharpen:
            image = image.convert("L").filter(_SHARPEN)
        return image


def plan() -> Iterator[View]:
    """Every view to try, in order (the same order as photo.js, the photo as it is first)."""
    yield View("as-is", None)
    yield View("sharpened", None, sharpen=True)
    for longest in WHOLE:
        yield View("whole", longest)
    for crop in WINDOWS:
        yield View("window", WINDOW_LONGEST, crop)
    for turn in TURNS:
        yield View("turn", WHOLE[0], turn=turn)


def read_photo(image: Image.Image) -> str | None:
    """The text of the first QR code found in some view of ``image`` (RGB), or None."""
    import zxingcpp

    for view in plan():
        for result in zxingcpp.read_barcodes(view.render(image)):
            if result.valid and result.text and "QR" in str(result.format):
                return str(result.text)
    return None
