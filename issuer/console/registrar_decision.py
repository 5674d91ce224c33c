"""The registrar's decision as documents: CSV (UTF-8 with BOM) and a bilingual PDF.

Both list every item of the decision, one row each: where it came from (the uploaded
file or presentation by name, or the bank's copy), the course, its institution, the
credits, and the decision — recorded with the bank, accepted by the policy but not
recorded, or refused and why in words (Chinese and English), a duplicate naming the
source it repeats. No internal ids. A recorded decision is read from the items stored
when it was recorded (:func:`store`, :class:`issuer.models.TransferDecisionItem`), so the
uploads it came from are there even after they are forgotten; before that, and for
transfers recorded over the API, the documents show the check as the page shows it now.
The PDF is set in the certificate's embedded CJK font
(:func:`issuer.credentials.certificate_font.font_name`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlmodel import Session, col, select

from issuer.core.i18n import translations
from issuer.credentials.transfer_check import NOT_VALID, REASONS, Review, ReviewRow
from issuer.models import (
    Credential,
    DecisionOutcome,
    TransferApplicationPublic,
    TransferDecisionItem,
    TransferItem,
)

__all__ = [
    "HEADER",
    "Decision",
    "DecisionRow",
    "decision_of",
    "pdf_bytes",
    "recorded_items",
    "store",
    "table",
]

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
#: A stored outcome, or ``pending`` for a live check before any decision.
Outcome = DecisionOutcome | Literal["pending"]
_BANK_COPY = "学分银行副本 bank copy"
_PRESENTATION = "出示 presentation"


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One item of the decision, as both documents list it."""

    outcome: Outcome
    source_kind: str
    source: str
    title: str | None
    institution: str | None
    credits: float | None
    domain: str | None
    standard: str | None
    date: str | None
    reason: str | None
    detail: str | None
    duplicate_source: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision's rows, the policy, and when it was decided (or checked, if pending)."""

    rows: list[DecisionRow]
    policy: str
    at: datetime
    learner: dict[str, str] | None
    stored: bool


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


def _outcome(row: ReviewRow, recorded: set[tuple[str, int]], decided: bool) -> Outcome:
    # A duplicate repeats the row that was recorded: it is counted there, not again here.
    if row.jti is not None and row.reason != "duplicate" and (row.jti, row.position) in recorded:
        return "recorded"
    if not row.accepted and row.reason != "not_in_application":
        return "refused"
    return "accepted" if decided else "pending"


def _row(row: ReviewRow, outcome: Outcome) -> DecisionRow:
    return DecisionRow(
        outcome,
        row.kind,
        row.source,
        row.title,
        row.institution,
        row.credits,
        row.domain,
        row.standard,
        row.date,
        row.reason,
        row.detail,
        row.duplicate_source,
    )


def _cut(text: str | None, limit: int) -> str | None:
    return None if text is None else text[:limit]


def store(
    session: Session,
    application_id: int,
    staff_id: int,
    review: Review,
    recorded: dict[tuple[str, int], int],
    now: datetime,
) -> None:
    """Keep every row of ``review`` with its outcome; ``recorded``: item → its transfer."""
    done = set(recorded)
    for row in review.rows:
        key = (row.jti or "", row.position)
        outcome = _outcome(row, done, decided=True)
        assert outcome != "pending"
        session.add(
            TransferDecisionItem(
                application_id=application_id,
                staff_id=staff_id,
                decided_at=now,
                policy=review.policy[:200],
                source_kind=row.kind,
                source=row.source[:220],
                jti=row.jti,
                position=row.position,
                title=_cut(row.title, 300),
                institution=_cut(row.institution, 500),
                half_credits=None if row.credits is None else round(row.credits * 2),
                domain=_cut(row.domain, 16),
                standard=_cut(row.standard, 120),
                achieved_on=_cut(row.date, 32),
                outcome=outcome,
                reason=_cut(row.reason, 64),
                detail=_cut(row.detail, 500),
                duplicate_source=_cut(row.duplicate_source, 220),
                transfer_id=recorded.get(key) if outcome == "recorded" else None,
            )
        )
    session.flush()


def decision_of(
    session: Session,
    application: TransferApplicationPublic,
    live: Review,
) -> Decision:
    """The stored decision of ``application``, else ``live`` (the check now) with outcomes."""
    stored = session.exec(
        select(TransferDecisionItem)
        .where(col(TransferDecisionItem.application_id) == application.id)
        .order_by(col(TransferDecisionItem.id))
    ).all()
    if stored:
        rows = [
            DecisionRow(
                s.outcome,
                s.source_kind,
                s.source,
                s.title,
                s.institution,
                None if s.half_credits is None else s.half_credits / 2,
                s.domain,
                s.standard,
                s.achieved_on,
                s.reason,
                s.detail,
                s.duplicate_source,
            )
            for s in stored
        ]
        return Decision(rows, stored[-1].policy, stored[-1].decided_at, live.learner, True)
    recorded = recorded_items(session, application.transfer_id)
    decided = application.state != "submitted"
    rows = [_row(r, _outcome(r, recorded, decided)) for r in live.rows]
    return Decision(rows, live.policy, live.evaluated_at, live.learner, False)


def _source(row: DecisionRow) -> str:
    if row.source_kind == "bank_copy":
        return _BANK_COPY
    if row.source_kind == "presentation":
        return f"{row.source} ({_PRESENTATION})"
    return row.source


def _reason(row: DecisionRow) -> str:
    """The reason in Chinese and English; a duplicate names the source it repeats."""
    if row.reason is None:
        return ""
    words = REASONS.get(row.reason)
    english = words or NOT_VALID
    chinese = translations("zh_Hans").gettext(english)
    text = f"{chinese} {english}"
    if row.duplicate_source is not None:
        text += f"（同 {row.duplicate_source} / as in {row.duplicate_source}）"
    if words is None and row.detail:
        text += f" — {row.detail}"
    return text


def table(decision: Decision) -> list[Sequence[object]]:
    """One row per item, in the order of :data:`HEADER`."""
    return [
        (
            _DECISIONS.get(r.outcome, r.outcome),
            r.title or "",
            r.institution or "",
            "" if r.credits is None else f"{r.credits:g}",
            r.domain or "",
            r.standard or "",
            r.date or "",
            _source(r),
            _reason(r),
        )
        for r in decision.rows
    ]


def pdf_bytes(font: str, application: TransferApplicationPublic, decision: Decision) -> bytes:
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
    learner = decision.learner or {}
    when = "决定时间 decided at" if decision.stored else "核验时间 checked at"
    facts = (
        f"申请 application #{application.id} · {_escape(application.institution_name_zh)} / "
        f"{_escape(application.institution_name_en)} · 专业 programme: "
        f"{_escape(application.programme)}<br/>"
        f"学习者 learner: {_escape(learner.get('name', ''))} {learner.get('masked_id', '')} · "
        f"政策 policy: {_escape(decision.policy)}<br/>"
        f"{when}: {decision.at:%Y-%m-%d %H:%M} UTC · 状态 state: {application.state} · "
        f"条目 items: {len(decision.rows)}"
    )
    cells = [[Paragraph(str(c), body) for c in HEADER]]
    cells += [[Paragraph(_escape(str(c)), body) for c in row] for row in table(decision)]
    widths = [30, 40, 42, 14, 15, 24, 22, 32, 54]
    grid = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
    grid.setStyle(
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
            grid,
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
