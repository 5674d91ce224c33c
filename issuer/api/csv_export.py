"""CSV downloads: UTF-8 with a byte-order mark, so Excel reads Chinese text correctly.

Cells that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or
carriage return) get a leading apostrophe: an export opened in Excel never computes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from fastapi import Response

__all__ = ["CSV_MEDIA_TYPE", "csv_response", "csv_text"]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # Numbers stay numbers; only text that merely looks like a formula is defused.
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The CSV document, BOM first, CRLF line ends (RFC 4180)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    """A CSV download named ``filename``."""
    return Response(
        csv_text(header, rows).encode("utf-8"),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
