"""The printable certificate of a ``cbqr`` credential: a PDF with its QR code.

The PDF shows exactly what the signed credential carries (its claims are read back from
the stored token, not from the ledger, so paper and QR never disagree): the learner's
name and masked national ID, one table row per credit entry (achievement, institution,
credits, date), the total, the issuer, the issue date, the ``jti``, the QR code an
employer scans (docs/formats.md §2) and where to verify it without one.

Its language follows the reader's (the portal's language, ``Accept-Language`` on the
API): Simplified Chinese by default with the English beneath, or English first with the
Chinese beneath; every word comes from the gettext catalogs, enum values from
:mod:`issuer.core.labels`, dates in Asia/Shanghai (:mod:`issuer.core.i18n`). The text is
set in an embedded TrueType CJK font (:mod:`issuer.credentials.certificate_font`) and
the QR code is drawn so that it reads on screen as on paper
(:mod:`issuer.credentials.certificate_qr`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlmodel import Session, col, select

from issuer.core import i18n, labels
from issuer.core.errors import (
    CredentialExpired,
    CredentialRevoked,
    CredentialSuspended,
    CreditBankError,
    NotRecognised,
)
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.credentials import certificate_seal
from issuer.credentials.certificate_font import font_name
from issuer.credentials.certificate_layout import INK, Styles, decorate_page, styles_for
from issuer.credentials.certificate_qr import QRFlowable
from issuer.credentials.issuance import get_credential, qr_text_of
from issuer.models import Credential, Institution, Learner, utcnow
from verifier import VerificationError
from verifier.formats import cbqr
from verifier.formats.jws import split

__all__ = [
    "certificate_for",
    "read_claims",
    "refuse_invalid",
    "render_certificate_pdf",
    "write_demo_certificate",
]

Translate = Callable[[str], str]
#: The printed seal's diameter.
_SEAL_MM = 34

TITLE = N_("Credit Certificate")
STATEMENT = N_(
    "This is to certify that %(name)s (ID no. %(id)s) has deposited the learning "
    "outcomes below with %(bank)s, recognised for a total of %(credits)s credits."
)
HEAD = (N_("No."), N_("Course or achievement"), N_("Institution"), N_("Credits"), N_("Date"))
TOTAL = N_("Total")
HOURS = N_("%(hours)s hours")
STANDARD = N_("standard %(code)s")
ISSUED_BY = N_("Issued by")
ISSUED_ON = N_("Date of issue")
VALID_UNTIL = N_("Valid until")
NO_EXPIRY = N_("No expiry")
NUMBER = N_("Certificate no.")
VERIFY_TITLE = N_("Verify this certificate")
VERIFY_SCAN = N_("Scan the QR code with a phone camera: it verifies even offline.")
VERIFY_URL = N_("Or open %(url)s and choose a photo of the QR code.")
FOOTNOTE = N_(
    "Credits were recognised under the conversion standards listed. The digital "
    "signature in the QR code is authoritative."
)


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


class _Words:
    """The reader's language first, the other one beneath (smaller): the same message id."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.other = "en" if locale.startswith("zh") else i18n.DEFAULT_LOCALE
        self.first: Translate = i18n.translations(locale).gettext
        self.second: Translate = i18n.translations(self.other).gettext

    def both(self, message: str, style: Styles, size: str = "sub") -> str:
        """``message`` in both languages as paragraph markup (escaped)."""
        return f"{_esc(self.first(message))}<br/>{style.span(size, _esc(self.second(message)))}"

    def number(self, value: float | int) -> str:
        return i18n.format_decimal(value, self.locale)

    def day(self, moment: datetime | None) -> str:
        return self.first(NO_EXPIRY) if moment is None else i18n.format_date(moment, self.locale)


def _pair(
    names: tuple[str, str] | None, fallback: str, words: _Words, style: Styles
) -> list[Paragraph]:
    """An institution's (zh, en) name in the reader's order, or its code."""
    if names is None:
        return [style.p(_esc(fallback), "cell")]
    first, second = names if words.locale.startswith("zh") else names[::-1]
    # Two paragraphs, not one with <br/>: a wrapped smaller line after a break is set a
    # line too low by ReportLab.
    return [style.p(_esc(first), "cell"), style.p(_esc(second), "cell_sub")]


def _entries_table(
    claims: cbqr.QRCredential,
    institution_names: Mapping[str, tuple[str, str]],
    words: _Words,
    style: Styles,
) -> Table:
    rows: list[list[Paragraph | list[Paragraph]]] = [
        [style.p(words.both(h, style), "head") for h in HEAD]
    ]
    for number, entry in enumerate(claims.entries, start=1):
        kind = words.first(labels.ACHIEVEMENT_KINDS.get(entry.kind, entry.kind))
        domain = words.first(labels.DOMAINS.get(entry.domain, entry.domain))
        details = [kind, domain]
        if entry.hours is not None:
            details.append(words.first(HOURS) % {"hours": words.number(entry.hours)})
        details.append(words.first(STANDARD) % {"code": entry.standard})
        title = [style.p(_esc(entry.title), "cell"), style.p(_esc(" · ".join(details)), "cell_sub")]
        inst = _pair(institution_names.get(entry.institution), entry.institution, words, style)
        rows.append(
            [
                style.p(str(number), "cell_c"),
                title,
                inst,
                style.p(words.number(entry.credits), "cell_c"),
                style.p(_esc(i18n.format_date(entry.date, words.locale)), "cell_c"),
            ]
        )
    total = words.number(claims.total_half_credits / 2)
    total_cells = [words.both(TOTAL, style), "", f"<b>{total}</b>", ""]
    rows.append(
        [
            style.p(""),
            *(style.p(c, "head" if i == 0 else "cell_c") for i, c in enumerate(total_cells)),
        ]
    )
    table = Table(rows, colWidths=[w * mm for w in (12, 64, 54, 14, 30)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), style.font),  # not Helvetica: nothing unembedded
                ("LINEABOVE", (0, 0), (-1, 0), 1.2, INK),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
                ("LINEBELOW", (0, 1), (-1, -2), 0.3, colors.Color(0.75, 0.78, 0.84)),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, INK),
                ("LINEBELOW", (0, -1), (-1, -1), 1.2, INK),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.95, 0.98)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _verification(
    credential: Credential,
    qr_text: str,
    issuer_name: tuple[str, str],
    words: _Words,
    style: Styles,
    seal_path: Path | None,
) -> Table:
    """The foot of the certificate: issuer, dates, number and how to verify, the seal, the QR."""
    bank = issuer_name if words.locale.startswith("zh") else issuer_name[::-1]
    url = qr_text.partition("#")[0]

    def line(label: str, value: str) -> Paragraph:
        both = f"{_esc(words.first(label))} {style.span('tiny', _esc(words.second(label)))}"
        return style.p(f"{both}<br/>{value}", "small")

    facts = [
        line(ISSUED_BY, f"{_esc(bank[0])}<br/>{style.span('sub', _esc(bank[1]))}"),
        line(ISSUED_ON, _esc(words.day(credential.issued_at))),
        line(VALID_UNTIL, _esc(words.day(credential.expires_at))),
        line(NUMBER, _esc(credential.jti)),
        Spacer(1, 3 * mm),
        style.p(words.both(VERIFY_TITLE, style), "head"),
        style.p(_esc(words.first(VERIFY_SCAN)), "small"),
        style.p(_esc(words.first(VERIFY_URL) % {"url": url}), "small"),
        style.p(_esc(words.second(VERIFY_SCAN)), "tiny"),
        style.p(_esc(words.second(VERIFY_URL) % {"url": url}), "tiny"),
    ]
    qr = QRFlowable(qr_text)
    width = qr.width / mm
    seal = Image(
        str(certificate_seal.seal_file(seal_path)), width=_SEAL_MM * mm, height=_SEAL_MM * mm
    )
    table = Table(
        [[facts, seal, qr]],
        colWidths=[(174 - width - 2 - _SEAL_MM - 4) * mm, (_SEAL_MM + 4) * mm, (width + 2) * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), style.font),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("VALIGN", (1, 0), (1, 0), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("ALIGN", (2, 0), (2, 0), "RIGHT"),
                ("LEFTPADDING", (2, 0), (2, 0), 0),
                ("RIGHTPADDING", (2, 0), (2, 0), 0),
            ]
        )
    )
    return table


def render_certificate_pdf(
    credential: Credential,
    learner: Learner,
    institution_names: Mapping[str, tuple[str, str]],
    qr_text: str,
    *,
    issuer_name: tuple[str, str],
    locale: str = i18n.DEFAULT_LOCALE,
    font_file: Path | None = None,
    seal_file: Path | None = None,
) -> bytes:
    """The certificate of ``credential`` as PDF bytes (A4, one page for up to ~8 entries).

    ``institution_names`` maps institution codes to (Chinese, English) names;
    ``issuer_name`` is the credit bank's (Chinese, English) name; ``qr_text`` is the QR
    content (``<base>/v1#<digits>``); ``locale`` the reader's (zh_Hans or en);
    ``font_file`` is ``Settings.certificate_font``, ``seal_file`` ``Settings.certificate_seal``
    (the demo seal when ``None``). The output is byte-for-byte
    reproducible. Raises ``CertificateFontMissing`` when the font is not installed.
    """
    claims = read_claims(credential)
    words = _Words(locale)
    font = font_name(font_file)
    style = styles_for(font)
    bank = issuer_name if locale.startswith("zh") else issuer_name[::-1]
    statement = words.first(STATEMENT) % {
        "name": f"<b>{_esc(claims.name)}</b>",
        "id": _esc(claims.masked_id),
        "bank": _esc(bank[0]),
        "credits": f"<b>{words.number(claims.total_half_credits / 2)}</b>",
    }
    story = [
        style.p(_esc(bank[0]), "bank"),
        style.p(_esc(bank[1]), "bank_sub"),
        Spacer(1, 5 * mm),
        style.p(_esc(words.first(TITLE)), "title"),
        style.p(_esc(words.second(TITLE)), "title_sub"),
        Spacer(1, 6 * mm),
        style.p(statement, "body"),
        style.p(
            _esc(words.second(STATEMENT))
            % {
                "name": _esc(claims.name),
                "id": _esc(claims.masked_id),
                "bank": _esc(bank[1]),
                "credits": words.number(claims.total_half_credits / 2),
            },
            "body_sub",
        ),
        Spacer(1, 5 * mm),
        _entries_table(claims, institution_names, words, style),
        Spacer(1, 6 * mm),
        _verification(credential, qr_text, issuer_name, words, style, seal_file),
        Spacer(1, 4 * mm),
        style.p(f"{_esc(words.first(FOOTNOTE))}<br/>{_esc(words.second(FOOTNOTE))}", "tiny"),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=17 * mm,
        bottomMargin=14 * mm,
        title=f"{words.first(TITLE)} {credential.jti}",
        author=bank[0],
        subject=f"creditbank credential {credential.jti} (learner account {learner.id})",
        lang="zh-CN" if locale.startswith("zh") else "en",
        initialFontName=font,  # else the page names (unembedded) Helvetica
        invariant=1,  # no creation time or random ID: the same credential, the same bytes
    )
    document.build(story, onFirstPage=decorate_page, onLaterPages=decorate_page)
    return buffer.getvalue()


def refuse_invalid(credential: Credential, *, now: datetime | None = None) -> None:
    """Raise unless ``credential`` is valid now (active and not past its expiry)."""
    if credential.status == "revoked":
        raise CredentialRevoked(N_("This credential was revoked: it has no certificate."))
    if credential.status == "suspended":
        raise CredentialSuspended(
            N_("This credential is suspended: it has no certificate while it is.")
        )
    expires = credential.expires_at
    if expires is not None and (now or utcnow()) >= expires:
        raise CredentialExpired(N_("This credential has expired: it has no certificate."))


def certificate_for(
    session: Session, settings: Settings, jti: str, locale: str = i18n.DEFAULT_LOCALE
) -> tuple[Credential, bytes]:
    """Load credential ``jti`` with its learner and institutions, and render its certificate.

    Only a valid credential has a certificate: a revoked one is ``credential_revoked``, a
    suspended one ``credential_suspended``, one past its expiry ``credential_expired``, so
    paper never vouches for what the status list or the date denies.
    """
    credential = get_credential(session, jti)
    refuse_invalid(credential)
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
        locale=locale,
        font_file=settings.certificate_font,
        seal_file=settings.certificate_seal,
    )
    return credential, pdf


def write_demo_certificate(
    settings: Settings, jti: str, out_path: Path, locale: str = i18n.DEFAULT_LOCALE
) -> Path:
    """Write the certificate of credential ``jti`` to ``out_path`` (``creditbank demo``)."""
    from issuer.core.db import make_engine

    engine = make_engine(settings.db_url)
    try:
        with Session(engine) as session:
            _, pdf = certificate_for(session, settings, jti, locale)
    finally:
        engine.dispose()
    out_path.write_bytes(pdf)
    return out_path
