"""The registrar's decision as documents: CSV (UTF-8 with BOM) and a bilingual PDF.

Both list the report of the bank's copies of the application's credentials under the
institution's current policy, with the decision per entry: recorded with the bank (the
items of the application's transfer), accepted by the policy but not recorded, or
refused and why. The PDF is set in the certificate's embedded CJK font
(:func:`issuer.credentials.certificate_font.font_name`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlmodel import Session, col, select

from issuer.console.registrar_check import Review, ReviewRow
from issuer.models import Credential, TransferApplicationPublic, TransferItem

__all__ = ["HEADER", "decision_rows", "pdf_bytes", "recorded_items"]

HEADER = (
    "决定 decision",
    "课程 course",
    "机构 institution",
    "学分 credits",
    "领域 domain",
    "转换标准 standard",
    "日期 date",
    "来源 source",
    "原因 reason",
)
_DECISIONS = {
    "recorded": "已登记 recorded",
    "accepted": "政策接受，未登记 accepted, not recorded",
    "refused": "拒绝 refused",
    "pending": "待决定 awaiting decision",
}


def recorded_items(session: Session, transfer_id: int | None) -> set[tuple[str, int]]:
    """(jti, position) of every item the application's transfer recorded."""
    if transfer_id is None:
        return set()
    rows = session.exec(
        select(Credential.jti, TransferItem.position)
        .join(Credential, col(Credential.id) == col(TransferItem.credential_id))
        .where(col(TransferItem.transfer_id) == transfer_id)
    ).all()
    return {(jti, position) for jti, position in rows}


def _decision(row: ReviewRow, recorded: set[tuple[str, int]], decided: bool) -> str:
    if row.jti is not None and (row.jti, row.position) in recorded:
        return _DECISIONS["recorded"]
    if not row.accepted and row.reason != "not_in_application":
        return _DECISIONS["refused"]
    return _DECISIONS["accepted"] if decided else _DECISIONS["pending"]


def decision_rows(
    review: Review, recorded: set[tuple[str, int]], decided: bool
) -> list[Sequence[object]]:
    """One row per entry, in the order of :data:`HEADER`."""
    return [
        (
            _decision(r, recorded, decided),
            r.title or "",
            r.institution or "",
            "" if r.credits is None else f"{r.credits:g}",
            r.domain or "",
            r.standard or "",
            r.date or "",
            r.source,
            r.reason or "",
        )
        for r in review.rows
    ]


def pdf_bytes(
    font: str,
    application: TransferApplicationPublic,
    review: Review,
    rows: list[Sequence[object]],
) -> bytes:
    """The decision as an A4 landscape PDF, Chinese and English side by side."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Transfer decision, application {application.id}",
        initialFontName=font,  # else the page names (unembedded) Helvetica
    )
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11)
    head = ParagraphStyle("head", fontName=font, fontSize=13, leading=17)
    learner = review.learner or {}
    facts = (
        f"申请 application #{application.id} · {application.institution_name_zh} / "
        f"{application.institution_name_en} · 专业 programme: {application.programme}<br/>"
        f"学习者 learner: {learner.get('name', '')} {learner.get('masked_id', '')} "
        f"(account {application.learner_id}) · 政策 policy: {review.policy}<br/>"
        f"核验时间 checked at: {review.evaluated_at:%Y-%m-%d %H:%M} UTC · "
        f"状态 state: {application.state}"
    )
    cells = [[Paragraph(str(c), body) for c in HEADER]]
    cells += [[Paragraph(_escape(str(c)), body) for c in row] for row in rows]
    widths = [40, 52, 50, 14, 14, 26, 20, 30, 27]
    table = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.93, 0.97)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    doc.build(
        [
            Paragraph("学分转换决定 Credit transfer decision", head),
            Paragraph(facts, body),
            Spacer(1, 4 * mm),
            table,
            Spacer(1, 3 * mm),
            Paragraph(
                "离线核验：仅以学分银行的记录为准 — offline check: only the credit "
                "bank's record is final.",
                body,
            ),
        ]
    )
    return out.getvalue()


def _escape(text: str) -> str:
    # Paragraph text is a small markup language: course titles are text, not tags.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
