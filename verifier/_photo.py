"""Reading the QR code of a photo, trying harder before giving up.

The decoder (zxing-cpp) is tried on a sequence of views of the photo, cheapest and
likeliest first, and the first that reads wins: the photo as it is, sharpened (and larger,
sharpened more), the whole photo at a few sizes, then
windows cut out of it (the QR code larger in each), then the photo turned a few degrees
either way. The verify page walks the same sequence with its own decoder
(verifier/static/verify/photo.js), so that the page and the CLI agree on which photos
can be read. Hand-written because no decoder library offers a retry plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageFilter


def _kernel(k: int) -> ImageFilter.Kernel:
    """photo.js's 3×3 sharpening kernel of strength ``k``: centre 1 + 4k, its four neighbours −k."""
    return ImageFilter.Kernel((3, 3), (0, -k, 0, -k, 1 + 4 * k, -k, 0, -k, 0), scale=1)


_SHARPEN = {1: _kernel(1), 2: _kernel(2)}

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
#: Longest side of the view sharpened twice as hard (a photo out of focus by 2 px and more).
SHARPER_LONGEST = 2000
#: Small turns of the whole photo, in degrees.
TURNS = (6, -6, 12, -12)


@dataclass(frozen=True)
class View:
    """One way of looking at the photo: a crop, scaled to ``longest`` pixels, turned."""

    kind: str
    longest: int | None
    crop: tuple[float, float, float] = (0.0, 0.0, 1.0)
    turn: float = 0.0
    sharpen: int = 0  # the kernel's strength; 0: not sharpened

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
            image = image.convert("L").filter(_SHARPEN[self.sharpen])
        return image


def plan() -> Iterator[View]:
    """Every view to try, in order (the same order as photo.js, the photo as it is first)."""
    yield View("as-is", None)
    yield View("sharpened", None, sharpen=1)
    yield View("sharpened", SHARPER_LONGEST, sharpen=2)
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
