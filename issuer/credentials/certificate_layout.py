"""The look of the PDF certificate: its paragraph styles and the frame on every page."""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph

__all__ = ["INK", "Styles", "decorate_page", "styles_for"]

#: The certificate's one colour: a deep blue for rules, the frame and the title.
INK: Final = colors.Color(0.11, 0.23, 0.42)
_GREY: Final = colors.Color(0.35, 0.38, 0.44)
#: Point sizes of the text beneath, by role (the other language, fine print).
_SPAN_SIZES: Final = {"sub": 7.5, "tiny": 6.5}


class Styles:
    """Paragraph styles in one font, by name, and inline spans of smaller grey text."""

    def __init__(self, font: str) -> None:
        def style(name: str, size: float, leading: float, **extra: Any) -> ParagraphStyle:
            return ParagraphStyle(
                name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **extra
            )

        self.font = font
        self.by_name = {
            "bank": style("bank", 15, 20, alignment=TA_CENTER, textColor=INK),
            "bank_sub": style("bank_sub", 9, 12, alignment=TA_CENTER, textColor=_GREY),
            "title": style("title", 30, 38, alignment=TA_CENTER, textColor=INK),
            "title_sub": style("title_sub", 11, 15, alignment=TA_CENTER, textColor=_GREY),
            "body": style("body", 11, 18, alignment=TA_JUSTIFY),
            "body_sub": style("body_sub", 8.5, 12, alignment=TA_JUSTIFY, textColor=_GREY),
            "head": style("head", 8.5, 11, textColor=INK),
            "cell": style("cell", 9, 12),
            "cell_c": style("cell_c", 9, 12, alignment=TA_CENTER),
            "cell_sub": style("cell_sub", 7.5, 10, textColor=_GREY),
            "small": style("small", 8.5, 11.5),
            "tiny": style("tiny", 6.5, 9, textColor=_GREY),
        }

    def p(self, markup: str, name: str = "body") -> Paragraph:
        """A paragraph of ``markup`` (already escaped) in style ``name``."""
        return Paragraph(markup, self.by_name[name])

    def span(self, size: str, markup: str) -> str:
        """``markup`` as smaller grey inline text (``size``: sub or tiny)."""
        return f'<font size="{_SPAN_SIZES[size]}" color="#5a6170">{markup}</font>'


@cache
def styles_for(font: str) -> Styles:
    """The styles for the registered font ``font`` (made once)."""
    return Styles(font)


def decorate_page(canvas: Any, _document: Any) -> None:
    """The frame of a certificate: a strong outer rule and a fine inner one."""
    width, height = A4
    canvas.saveState()
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(2.2)
    canvas.rect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm, stroke=1, fill=0)
    canvas.setLineWidth(0.5)
    canvas.rect(10.5 * mm, 10.5 * mm, width - 21 * mm, height - 21 * mm, stroke=1, fill=0)
    canvas.restoreState()
