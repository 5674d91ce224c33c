"""A university's check of one transfer application: the offline policy check, in words.

The one check of the registrar's workspace (:mod:`issuer.console.registrar_pages`) and of
``POST /transfer-applications/{id}/checks`` (:mod:`issuer.api.transfer_checks`). The
credentials checked are either the bank's own copies of the application's credentials or
the files the registrar presented (:mod:`issuer.credentials.transfer_files`, SD-JWT
presentations checked by :mod:`issuer.credentials.transfer_presentations`). They go
through :func:`verifier.transfer.evaluate` — the check ``creditbank-verify transfer``
runs — against the bank's current trust data (unsigned: the bank trusts its own records,
as :mod:`issuer.credentials.transfer_consent` does) and the university's policy. Each
entry becomes a :class:`ReviewRow`: the course and its institution, the credits, accepted
or the reason refused, and whether the application covers it, which is what the
registrar may record. :func:`check_application` is the whole check of one application:
its consent (or, once closed, what it covered), the university's policy, and the
presented files or else the bank's copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from issuer.bank import consent, transfer_policies
from issuer.bank.consent import Consent
from issuer.core.errors import ConsentRequired, ConsentUsed
from issuer.core.i18n import N_
from issuer.core.settings import Settings
from issuer.credentials.issuance import qr_text_of
from issuer.credentials.trust import trust_document
from issuer.models import Credential, Institution, TransferApplication, TransferApplicationItem
from keys import KeyStore
from verifier import TrustBundle
from verifier.transfer import PresentedCredential, TransferPolicy, TransferReport, evaluate

__all__ = [
    "REASONS",
    "ApplicationCheck",
    "BankTrust",
    "Item",
    "Review",
    "ReviewRow",
    "SourceKind",
    "bank_copies",
    "check_application",
    "coverage",
    "review",
]

#: Each reason of a refused entry or credential, for the page (in the reader's language).
REASONS: dict[str, str] = {
    "duplicate": N_("Already counted: the same achievement is in another credential."),
    "issuer_not_accepted": N_("The policy does not accept this credit bank."),
    "holder_binding_required": N_("The policy accepts only holder-bound credentials."),
    "different_learner": N_("Issued to another learner than the first credential."),
    "domain_not_accepted": N_("The policy does not accept this domain."),
    "standard_not_accepted": N_("The policy does not accept this conversion standard."),
    "kind_not_accepted": N_("The policy does not accept this kind of achievement."),
    "too_old": N_("Older than the policy allows."),
    "over_domain_limit": N_("Over the policy's credit limit for this domain."),
    "over_total_limit": N_("Over the policy's total credit limit."),
    "not_in_application": N_("Not in the learner's application: it cannot be recorded."),
    "unreadable_input": N_("The file is neither a QR image, a PDF nor credential text."),
    "unreadable_image": N_("The image cannot be read."),
    "no_qr_found": N_("The image holds no readable QR code."),
    "bad_encoding": N_("Not a credential: the text is no QR credential, JWT or JSON document."),
    "malformed": N_("The credential is damaged: a part of it is missing or unreadable."),
    "bad_signature": N_("The signature is not valid: the credential was altered or forged."),
    "revoked": N_("The credential was revoked."),
    "suspended": N_("The credential is suspended."),
    "expired": N_("The credential has expired."),
    "unknown_issuer": N_("Not issued by a credit bank in the trust bundle."),
    "wrong_audience": N_("The presentation was made for another university, not for yours."),
    "wrong_nonce": N_(
        "The presentation's nonce was not issued by your university: ask for a presentation "
        "from this page."
    ),
    "replayed_presentation": N_(
        "The presentation was used already (a replay): its nonce counts for one transfer."
    ),
    "stale_presentation": N_(
        "The presentation is too old: its nonce or key-binding expired. Ask for a new one."
    ),
    "holder_binding_failed": N_(
        "The presentation is not signed by the wallet the credential was issued to."
    ),
    "unknown_disclosure": N_("The presentation carries a disclosure its credential does not list."),
}
#: What a credential that failed verification says when its code has no words above.
NOT_VALID = N_("The credential is not valid.")
#: Where a row's credential came from: the bank's own copy, a file, an SD-JWT presentation.
SourceKind = Literal["bank_copy", "file", "presentation"]


@dataclass(slots=True)
class ReviewRow:
    """One credit entry (or one unreadable file) as the registrar's report shows it."""

    source: str
    jti: str | None
    position: int
    title: str | None
    institution: str | None
    credits: float | None
    domain: str | None
    standard: str | None
    date: str | None
    accepted: bool
    reason: str | None
    detail: str | None
    duplicate_source: str | None = None
    in_application: bool = False
    kind: SourceKind = "file"

    @property
    def key(self) -> str:
        """The value of the row's decision checkbox: ``jti:position``."""
        return f"{self.jti}:{self.position}"

    @property
    def recordable(self) -> bool:
        return self.accepted and self.in_application and self.jti is not None

    @property
    def reason_words(self) -> str | None:
        """The message id of the reason (translated by the page)."""
        if self.reason is None:
            return None
        return REASONS.get(self.reason, NOT_VALID)


@dataclass(slots=True)
class Review:
    """The report of one check: rows in the order presented, and the totals."""

    policy: str
    evaluated_at: datetime
    learner: dict[str, str] | None
    rows: list[ReviewRow] = field(default_factory=list)
    #: Whether the rows are the bank's copies of the application's credentials (no files).
    bank_copies: bool = False

    @property
    def accepted_credits(self) -> float:
        return sum(r.credits or 0 for r in self.rows if r.recordable)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rows if r.reason == "duplicate")


def coverage(session: Session, application_id: int) -> Consent:
    """What the application covers, whatever its state (for the report, never to record)."""
    rows = session.exec(
        select(TransferApplicationItem.position, Credential.jti)
        .join(Credential, col(Credential.id) == col(TransferApplicationItem.credential_id))
        .where(col(TransferApplicationItem.application_id) == application_id)
    ).all()
    covers: dict[str, frozenset[int] | None] = {}
    for position, jti in rows:
        if position is None or (jti in covers and covers[jti] is None):
            covers[jti] = None
        else:
            covers[jti] = (covers.get(jti) or frozenset()) | {position}
    return Consent("application", covers)


def bank_copies(session: Session, application_id: int, settings: Settings) -> list[tuple[str, str]]:
    """``(label, credential text)`` of the bank's own copies of the application's credentials."""
    rows = session.exec(
        select(Credential)
        .join(
            TransferApplicationItem,
            col(TransferApplicationItem.credential_id) == col(Credential.id),
        )
        .where(col(TransferApplicationItem.application_id) == application_id)
        .order_by(col(TransferApplicationItem.id))
    ).all()
    seen: dict[str, tuple[str, str]] = {}
    for credential in rows:
        text = qr_text_of(credential, settings) if credential.format == "cbqr" else credential.token
        seen.setdefault(credential.jti, (credential.jti, text))
    return list(seen.values())


class BankTrust:
    """The bank's trust data at one moment, built once, when first asked for."""

    def __init__(
        self, session: Session, keystore: KeyStore, settings: Settings, moment: datetime
    ) -> None:
        self.args = (session, keystore, settings, moment)
        self.built: TrustBundle | None = None

    def __call__(self) -> TrustBundle:
        if self.built is None:
            self.built = TrustBundle(trust_document(*self.args))
        return self.built


#: One presented file: label, its text (or a verified presentation) or None, code, detail.
Item = tuple[str, str | PresentedCredential | None, str | None, str | None]


def _row(
    report: TransferReport, index: int, consent: Consent | None, presentations: set[str]
) -> ReviewRow:
    d = report.decisions[index]
    e = d.entry
    names = d.institution_name
    return ReviewRow(
        source=d.source,
        jti=d.jti,
        position=d.position,
        title=None if e is None else e.title,
        institution=None if e is None else (f"{names[0]} / {names[1]}" if names else e.institution),
        credits=None if e is None else e.half_credits / 2,
        domain=None if e is None else e.domain,
        standard=None if e is None else e.standard,
        date=None if e is None else e.date.isoformat(),
        accepted=d.accepted,
        reason=d.reason,
        detail=d.detail,
        in_application=d.jti is not None
        and (
            d.jti in presentations or (consent is not None and consent.covered(d.jti, d.position))
        ),
    )


def _unique(presented: list[Item]) -> list[Item]:
    """The files with unique labels: two ``scan.png`` become ``scan.png`` and ``scan.png (2)``."""
    seen: dict[str, int] = {}
    out = []
    for label, *rest in presented:
        seen[label] = seen.get(label, 0) + 1
        out.append((label if seen[label] == 1 else f"{label} ({seen[label]})", *rest))
    return out  # type: ignore[return-value]


def review(
    session: Session,
    keystore: KeyStore,
    settings: Settings,
    policy: TransferPolicy,
    consent: Consent | None,
    presented: list[Item],
    now: datetime,
    presentations: set[str] | None = None,
    trust: TrustBundle | None = None,
    *,
    from_bank: bool = False,
) -> Review:
    """Check ``presented`` (label, text or None, error code, detail) against ``policy``.

    A file without text (unreadable) is a row with its code; the others are evaluated.
    An accepted entry neither the application nor a verified presentation
    (``presentations``: their credentials' ``jti``) covers is shown, but not recordable.
    ``trust`` is the bank's trust data at ``now`` when the caller has built it already;
    ``from_bank`` says that ``presented`` are the bank's own copies.
    """
    if trust is None:
        trust = TrustBundle(trust_document(session, keystore, settings, now))
    presented = _unique(presented)
    readable = [(label, text) for label, text, _, _ in presented if text is not None]
    report = evaluate(
        [t for _, t in readable], policy, trust, now=now, labels=[label for label, _ in readable]
    )
    by_source: dict[str, list[ReviewRow]] = {}
    sources: dict[str, str] = {}
    for index, decision in enumerate(report.decisions):
        row = _row(report, index, consent, presentations or set())
        if decision.duplicate_of is not None:
            row.duplicate_source = sources.get(decision.duplicate_of)
        elif decision.jti is not None:
            sources.setdefault(f"{decision.jti}#{decision.position}", decision.source)
        if row.accepted and not row.in_application:
            row.accepted, row.reason = False, "not_in_application"
        by_source.setdefault(decision.source, []).append(row)
    result = Review(policy.name, now, report.learner, bank_copies=from_bank)
    for label, text, code, detail in presented:
        kind: SourceKind = "bank_copy" if from_bank else "file"
        if isinstance(text, PresentedCredential):
            kind = "presentation"
        if text is None:
            rows = [
                ReviewRow(label, None, 0, None, None, None, None, None, None, False, code, detail)
            ]
        else:
            rows = by_source.pop(label, [])
        for row in rows:
            row.kind = kind
        result.rows.extend(rows)
    return result


@dataclass(slots=True)
class ApplicationCheck:
    """The check of one application, and why nothing of it is recordable, when it is closed."""

    review: Review
    blocked: ConsentUsed | ConsentRequired | None = None


def check_application(
    session: Session,
    keystore: KeyStore,
    settings: Settings,
    institution: Institution,
    application: TransferApplication,
    presented: list[Item],
    now: datetime,
    *,
    presentations: set[str] | None = None,
    trust: TrustBundle | None = None,
) -> ApplicationCheck:
    """Check ``presented`` — or, when nothing is, the bank's copies — for ``application``.

    The application's consent decides what is recordable; a closed one (recorded,
    withdrawn, expired) still says what it covered, and ``blocked`` why nothing is
    recordable. The policy is the institution's current one. Nothing is stored.
    """
    assert application.id is not None
    blocked: ConsentUsed | ConsentRequired | None = None
    try:
        given = consent.application_consent(session, institution, application.id, now)
    except (ConsentUsed, ConsentRequired) as exc:
        given, blocked = coverage(session, application.id), exc
    items = presented or [
        (label, text, None, None) for label, text in bank_copies(session, application.id, settings)
    ]
    policy = transfer_policies.policy_of(session, settings, institution)
    report = review(
        session,
        keystore,
        settings,
        policy,
        given,
        items,
        now,
        presentations,
        trust,
        from_bank=not presented,
    )
    return ApplicationCheck(report, blocked)
