"""The font the PDF certificate is set in, embedded (as a subset) in every PDF.

A certificate must read the same on any viewer, so the PDF carries its own glyphs and does
not name a font the viewer is expected to have (ReportLab's built-in ``STSong-Light`` is
such a name: nothing embedded, and a viewer without the Adobe Asian font pack shows boxes).

Which font: ReportLab embeds and subsets TrueType fonts with ``glyf`` outlines only, and
the common CJK fonts (Noto Sans/Serif CJK, Source Han) are CFF-based OpenType collections
it cannot embed; Droid Sans Fallback is TrueType but has no Latin letters or digits.
WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``; GPL-2 with the font exception, so
embedding it in documents is allowed) is a TrueType collection with Latin, digits and
20,940 Hanzi (GBK), so one font sets Chinese and English alike. No PyPI package ships a
maintained TrueType CJK font, and committing its 17 MB file is worse than naming a Debian
package; ``.ci/run`` installs it. ``CREDITBANK_CERTIFICATE_FONT`` names another TrueType
file (or collection: its first face is used) where the font lives elsewhere.

A missing font never stops the server: it starts, logs a warning (:func:`check_font`), and
a certificate download answers 500 ``certificate_font_missing`` naming the fix.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Final

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from issuer.core.errors import CertificateFontMissing

__all__ = ["DEFAULT_FONT_FILES", "FONT_NAME", "check_font", "font_name"]

logger = logging.getLogger(__name__)

#: The name the certificate's paragraph styles use for the registered font.
FONT_NAME: Final = "CertificateSans"
#: Where Debian/Ubuntu (fonts-wqy-zenhei) and Fedora put WenQuanYi Zen Hei.
DEFAULT_FONT_FILES: Final = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
)
#: Characters every certificate has: a font without one of them would print boxes.
_NEEDED: Final = "AZaz09()·学分证书（）"


def _candidates(configured: Path | None) -> tuple[Path, ...]:
    return (configured,) if configured is not None else DEFAULT_FONT_FILES


@cache  # registered once per process: ReportLab's font registry is global
def _register(path: Path) -> str:
    try:
        font = TTFont(FONT_NAME, str(path), subfontIndex=0)
    except (TTFError, OSError) as exc:
        raise CertificateFontMissing(
            f"the certificate font {path} cannot be used ({exc}); it must be a TrueType "
            "font with glyf outlines"
        ) from exc
    missing = [c for c in _NEEDED if ord(c) not in font.face.charToGlyph]
    if missing:
        raise CertificateFontMissing(
            f"the certificate font {path} lacks {''.join(missing)!r}: it must set Latin "
            "letters, digits and Chinese"
        )
    pdfmetrics.registerFont(font)
    # One face only: <b> in paragraphs keeps the same glyphs rather than failing.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME


def font_name(configured: Path | None = None) -> str:
    """Register the certificate font (once) and return its name for paragraph styles.

    ``configured`` is ``Settings.certificate_font``; without it the Debian paths are tried.
    Raises :class:`CertificateFontMissing` when no usable font file is there.
    """
    for path in _candidates(configured):
        if path.is_file():
            return _register(path)
    tried = ", ".join(str(p) for p in _candidates(configured))
    raise CertificateFontMissing(
        f"no certificate font at {tried}: install Debian's fonts-wqy-zenhei or set "
        "CREDITBANK_CERTIFICATE_FONT to a TrueType CJK font file"
    )


def check_font(configured: Path | None = None) -> bool:
    """At startup: whether certificates can be made; a warning (not a crash) when not."""
    try:
        font_name(configured)
    except CertificateFontMissing as exc:
        logger.warning("%s: %s; PDF certificates are refused until it is", exc.code, exc.detail)
        return False
    return True
