"""The electronic seal printed on PDF certificates: the configured image, or the demo one.

``CREDITBANK_CERTIFICATE_SEAL`` names a square PNG or JPEG file (a transparent PNG looks
best), printed 34 mm wide between the issuer's lines and the QR code; unset, the demo seal shipped
beside this module (``static/demo-seal.png``) is used. The demo seal is our own drawing,
made by :func:`draw_demo_seal` (a red double ring, the bank's name along the top, a
five-pointed star, "学分认证专用章" beneath; ``python -m issuer.credentials.certificate_seal
OUT.png`` draws it again); it carries the demo bank's name (示范…, "demo"), and a real bank
configures its own.
"""

from __future__ import annotations

import math
import sys
from importlib import resources
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

__all__ = ["DEMO_SEAL", "draw_demo_seal", "seal_file"]

#: The demo seal shipped with creditbank.
DEMO_SEAL: Final = Path(str(resources.files("issuer.credentials") / "static" / "demo-seal.png"))
#: Seal red (a vermilion close to stamp ink).
_RED: Final = (200, 22, 36, 235)
_SIZE: Final = 600


def seal_file(configured: Path | None) -> Path:
    """The seal image to print: the configured file, else the demo seal."""
    return configured if configured is not None else DEMO_SEAL


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, outer: float) -> None:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=_RED)


def _arc_text(image: Image.Image, text: str, font: ImageFont.FreeTypeFont, radius: float) -> None:
    """``text`` along the top of a circle, upright toward the centre, left to right."""
    centre = _SIZE / 2
    span = min(250.0, 24.0 * len(text))  # degrees the text covers, centred on the top
    for i, char in enumerate(text):
        angle = -90 - span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((60, 60), char, font=font, fill=_RED, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(math.radians(angle)) - 60
        y = centre + radius * math.sin(math.radians(angle)) - 60
        image.alpha_composite(glyph, (round(x), round(y)))


def draw_demo_seal(out: Path, bank_name: str, font_file: Path) -> Path:
    """Draw the demo seal of ``bank_name`` as a transparent PNG at ``out``."""
    image = Image.new("RGBA", (_SIZE, _SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((14, 14, _SIZE - 14, _SIZE - 14), outline=_RED, width=22)
    draw.ellipse((46, 46, _SIZE - 46, _SIZE - 46), outline=_RED, width=4)
    name_font = ImageFont.truetype(str(font_file), 62, index=0)
    _arc_text(image, bank_name, name_font, 205)
    _star(draw, _SIZE / 2, _SIZE / 2 + 5, 92)
    label = ImageFont.truetype(str(font_file), 44, index=0)
    draw.text((_SIZE / 2, _SIZE / 2 + 150), "学分认证专用章", font=label, fill=_RED, anchor="mm")
    image.save(out, optimize=True)
    return out


if __name__ == "__main__":  # pragma: no cover - the shipped PNG was drawn this way
    from issuer.credentials.certificate_font import DEFAULT_FONT_FILES

    font = next(p for p in DEFAULT_FONT_FILES if p.exists())
    print(draw_demo_seal(Path(sys.argv[1]), "示范终身学习学分银行", font))
