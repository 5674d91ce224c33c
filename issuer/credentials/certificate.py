"""The printable certificate of a ``cbqr`` credential: a bilingual PDF with its QR code.

The PDF shows exactly what the signed credential carries (its claims are read back from
the stored token, not from the ledger, so paper and QR never disagree): the learner's
name and masked national ID, one table row per credit entry, the total, the issuer, the
issue date, the ``jti`` and the QR code an employer scans (docs/formats.md §2).

Chinese is set in ReportLab's built-in CID font ``STSong-Light``, which PDF readers
supply themselves: nothing is installed or embedded. The QR code is the same PNG as
``GET /credentials/{jti}/qr.png`` (:func:`issuer.credentials.qr_image.render_png`), printed
:data:`QR_WIDTH_MM` wide so a phone camera reads it from arm's length.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlmodel import Session, col, select

from issuer.core.errors import CreditBankError, NotRecognised
from issuer.core.settings import Settings
from issuer.credentials.issuance import get_credential, qr_text_of
from issuer.credentials.qr_image import BORDER, qr_version, render_png
from issuer.models import Credential, Institution, Learner
from verifier import VerificationError
from verifier.formats import cbqr
from verifier.formats.jws import split

__all__ = [
    "QR_WIDTH_MM",
    "certificate_for",
    "qr_width_mm",
    "read_claims",
    "render_certificate_pdf",
    "write_demo_certificate",
]

#: Least printed width of the QR code (with its quiet zone). 45 mm keeps the modules of a
#: version-16 symbol (the one-entry size goal) above 0.4 mm.
QR_WIDTH_MM = 45
#: Larger symbols (many entries) grow to keep modules at least this wide, up to 80 mm.
MIN_MODULE_MM = 0.4
MAX_QR_WIDTH_MM = 80


def qr_width_mm(qr_text: str) -> float:
    """Printed width of the QR for ``qr_text``: 45 mm, more for symbols above version 16."""
    modules = 17 + 4 * qr_version(qr_text) + 2 * BORDER
    return min(MAX_QR_WIDTH_MM, max(QR_WIDTH_MM, modules * MIN_MODULE_MM))


FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

DOMAIN_NAMES: dict[str, tuple[str, str]] = {
    "GE": ("通用", "General"),
    "AM": ("先进制造", "Advanced manufacturing"),
    "AI": ("人工智能", "Artificial intelligence"),
    "AG": ("现代农业", "Modern agriculture"),
}
KIND_NAMES: dict[str, tuple[str, str]] = {
    "course": ("课程", "Course"),
    "vocational_cert": ("职业技能证书", "Vocational certificate"),
    "one_plus_x": ("1+X证书", "1+X certificate"),
    "training": ("培训", "Training"),
    "work_experience": ("工作经历", "Work experience"),
    "award": ("竞赛获奖", "Award"),
    "online_course": ("在线课程", "Online course"),
}

_STYLES = {
    "title": ParagraphStyle("title", fontName=FONT, fontSize=20, leading=26, alignment=1),
    "subtitle": ParagraphStyle("subtitle", fontName=FONT, fontSize=11, leading=15, alignment=1),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK"),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9.5, wordWrap="CJK"),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=10, wordWrap="CJK"),
}


def read_claims(credential: Credential) -> cbqr.QRCredential:
    """The claims of a stored ``cbqr`` credential (our own token: no signature check)."""
    if credential.format != "cbqr":
        raise NotRecognised(f"credential {credential.jti} is a {credential.format}, not a cbqr")
    try:
        return cbqr.parse_claims(split(credential.token).payload)
    except VerificationError as exc:  # a stored token we cannot read is a defect, not input
        raise CreditBankError(f"stored credential {credential.jti}: {exc.detail}") from exc


def _esc(text: str) -> str:
    # Paragraph text is a small markup language: names must not be read as tags.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, _STYLES[style])


def _bi(names: tuple[str, str] | None, fallback: str) -> str:
    if names is None:
        return _esc(fallback)
    return f"{_esc(names[0])}<br/>{_esc(names[1])}"


def _credits_table(
    claims: cbqr.QRCredential, institution_names: Mapping[str, tuple[str, str]]
) -> Table:
    head = [
        "课程/成果<br/>Title",
        "领域<br/>Domain",
        "类型<br/>Kind",
        "学分<br/>Credits",
        "学时<br/>Hours",
        "转换标准<br/>Standard",
        "认证机构<br/>Institution",
        "日期<br/>Date",
    ]
    rows: list[list[Paragraph]] = [[_p(f"<b>{h}</b>", "cell") for h in head]]
    for entry in claims.entries:
        inst = institution_names.get(entry.institution)
        rows.append(
            [
                _p(_esc(entry.title), "cell"),
                _p(f"{entry.domain}<br/>{_bi(DOMAIN_NAMES.get(entry.domain), '')}", "cell"),
                _p(_bi(KIND_NAMES.get(entry.kind), entry.kind), "cell"),
                _p(str(entry.credits), "cell"),
                _p("" if entry.hours is None else str(entry.hours), "cell"),
                _p(_esc(entry.standard), "cell"),
                _p(
                    f"{_bi(inst, entry.institution)}<br/>({_esc(entry.institution)})"
                    if inst
                    else _esc(entry.institution),
                    "cell",
                ),
                _p(entry.date.isoformat(), "cell"),
            ]
        )
    half = claims.total_half_credits
    total = half // 2 if half % 2 == 0 else half / 2
    rows.append([_p("<b>合计 Total</b>", "cell"), _p(""), _p(""), _p(f"<b>{total}</b>", "cell")])
    rows[-1].extend(_p("") for _ in range(4))
    widths = [x * mm for x in (38, 22, 20, 13, 11, 22, 38, 18)]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.93, 0.97)),
                ("BACKGROUND", (0, -1), (-1, -1), colors.Color(0.96, 0.96, 0.96)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _day(moment: datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(UTC).date().isoformat()


def render_certificate_pdf(
    credential: Credential,
    learner: Learner,
    institution_names: Mapping[str, tuple[str, str]],
    qr_text: str,
    *,
    issuer_name: tuple[str, str],
) -> bytes:
    """The certificate of ``credential`` as PDF bytes (A4, one page for up to ~12 entries).

    ``institution_names`` maps institution codes to (Chinese, English) names;
    ``issuer_name`` is the credit bank's (Chinese, English) name; ``qr_text`` is the QR
    content (``<base>/v1#<digits>``). The output is byte-for-byte reproducible.
    """
    claims = read_claims(credential)
    side = qr_width_mm(qr_text)
    qr = Image(io.BytesIO(render_png(qr_text)), width=side * mm, height=side * mm)
    who = [
        _p(f"姓名 Name: <b>{_esc(claims.name)}</b>"),
        _p(f"身份证号 ID: {_esc(claims.masked_id)}"),
        _p(f"账户 Account: {learner.id}"),
        Spacer(1, 3 * mm),
        _p(f"发证日期 Issued: {_day(credential.issued_at)}"),
        _p(f"有效期至 Valid until: {_day(credential.expires_at)}"),
        _p(f"证书编号 Credential ID (jti): {_esc(credential.jti)}", "small"),
        Spacer(1, 3 * mm),
        _p(
            "扫描右侧二维码即可离线核验本证书。<br/>"
            "Scan the QR code to verify this certificate offline.",
            "small",
        ),
    ]
    top = Table([[who, qr]], colWidths=[(172 - side) * mm, (side + 8) * mm])
    top.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT")])
    )
    story = [
        _p(f"{_esc(issuer_name[0])}", "subtitle"),
        _p(f"{_esc(issuer_name[1])}", "subtitle"),
        Spacer(1, 4 * mm),
        _p("学分证书", "title"),
        _p("Credit Certificate", "title"),
        Spacer(1, 6 * mm),
        top,
        Spacer(1, 6 * mm),
        _credits_table(claims, institution_names),
        Spacer(1, 8 * mm),
        _p(
            f"发证机构 Issuer: {_esc(issuer_name[0])} / {_esc(issuer_name[1])} "
            f"({_esc(claims.issuer)})"
        ),
        _p(f"签发日期 Date: {_day(credential.issued_at)}"),
        Spacer(1, 4 * mm),
        _p(
            "本证书的学分依据所列转换标准认定；证书内容以二维码中的数字签名为准。"
            "<br/>Credits were recognised under the conversion standards listed. "
            "The digital signature in the QR code is authoritative.",
            "small",
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"学分证书 Credit Certificate {credential.jti}",
        author=issuer_name[1],
        subject=f"creditbank credential {credential.jti}",
        invariant=1,  # no creation time or random ID: the same credential, the same bytes
    )
    document.build(story)
    return buffer.getvalue()


def certificate_for(session: Session, settings: Settings, jti: str) -> tuple[Credential, bytes]:
    """Load credential ``jti`` with its learner and institutions, and render its certificate."""
    credential = get_credential(session, jti)
    learner = session.get(Learner, credential.learner_id)
    assert learner is not None  # a foreign key guarantees it
    codes = {entry.institution for entry in read_claims(credential).entries}
    rows = session.exec(select(Institution).where(col(Institution.code).in_(codes))).all()
    names = {row.code: (row.name_zh, row.name_en) for row in rows}
    pdf = render_certificate_pdf(
        credential,
        learner,
        names,
        qr_text_of(credential, settings),
        issuer_name=(settings.issuer_name_zh, settings.issuer_name_en),
    )
    return credential, pdf


def write_demo_certificate(settings: Settings, jti: str, out_path: Path) -> Path:
    """Write the certificate of credential ``jti`` to ``out_path`` (``creditbank demo``)."""
    from issuer.core.db import make_engine

    engine = make_engine(settings.db_url)
    try:
        with Session(engine) as session:
            _, pdf = certificate_for(session, settings, jti)
    finally:
        engine.dispose()
    out_path.write_bytes(pdf)
    return out_path
