"""Conversion standards in the database: versions, lifecycle and the effective set.

Lifecycle of one version::

    draft ──submit_for_review──▶ under_review ──approve_and_schedule──▶ approved (dated)
      ▲                              │
      └───────return_to_draft────────┘  (the committee's reasons are kept)

    approved ──(its date comes)──▶ effective ──(a later one comes into force)──▶ superseded

Approval is the expert committee's decision (quorum rules live with the committee);
this module records it. An approved version carries its ``effective_from`` date (set by
the operator beforehand with :func:`set_effective_date`, else the day of approval).
Which version is in force on a day is decided by dates alone (:func:`effective_standards`):
for each standard, the approved version with the latest ``effective_from`` on or before
that day. The stored status follows (:func:`promote_due`, run by every write that reads
the standards): a version whose day has come becomes ``effective`` and the one before it
``superseded``, so no job and no Python call is needed for a date to take effect.
At most one version of a standard is ``effective``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.conversion.engine import Catalogue
from issuer.conversion.standard_document import StandardDocument
from issuer.core.errors import InvalidRequest, NotFound, StandardContradiction, StandardState
from issuer.models import ConversionStandard, StandardPublic, utcnow

__all__ = [
    "approve_and_schedule",
    "catalogue",
    "create_draft",
    "current_effective",
    "document_as_stored",
    "document_of",
    "draft_from",
    "effective_standards",
    "get_version",
    "list_standards",
    "make_effective",
    "mark_approved",
    "promote_due",
    "public",
    "return_to_draft",
    "set_effective_date",
    "submit_for_review",
    "update_draft",
]

#: Statuses of versions the committee approved: the ones dates can bring into force.
_APPROVED = ("approved", "effective", "superseded")
#: Statuses whose effective date may still be changed.
_DATEABLE = ("draft", "under_review", "approved")


def public(row: ConversionStandard) -> StandardPublic:
    """The API form of one version."""
    return StandardPublic.model_validate(row, update={"ref": f"{row.standard_id}@{row.version}"})


def get_version(session: Session, standard_id: str, version: int) -> ConversionStandard:
    """One version, or :class:`NotFound`."""
    row = session.get(ConversionStandard, (standard_id, version))
    if row is None:
        raise NotFound(f"standard {standard_id}@{version} does not exist")
    return row


def document_of(row: ConversionStandard) -> StandardDocument:
    """The validated document of a stored version."""
    return StandardDocument.model_validate(row.document)


def document_as_stored(row: ConversionStandard) -> StandardDocument:
    """The stored document, validated but read back even if its rules contradict each other
    (a draft saved before that check): for showing and mending it, never for applying it."""
    return StandardDocument.model_validate(row.document, context={"as_stored": True})


def list_standards(session: Session) -> list[ConversionStandard]:
    """Every version of every standard, by id then version."""
    statement = select(ConversionStandard).order_by(
        col(ConversionStandard.standard_id), col(ConversionStandard.version)
    )
    return list(session.exec(statement))


def _validated(payload: dict[str, Any]) -> StandardDocument:
    """The document, or ``invalid_request`` naming the invalid fields (``standard_contradiction``
    when two rules match the same achievements)."""
    try:
        return StandardDocument.model_validate(payload)
    except ValidationError as exc:
        errors = exc.errors()
        clash = next((e for e in errors if e["type"] == "standard_contradiction"), None)
        if clash is not None:
            raise StandardContradiction(clash["msg"]) from None
        # Every invalid field is named (unknown ones too), the first one first.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in errors[:10]
        )
        raise InvalidRequest(f"invalid standard document at {problems}") from None


def update_draft(
    session: Session, standard_id: str, version: int, changes: dict[str, Any]
) -> ConversionStandard:
    """Replace top-level fields (e.g. ``rules``) of a draft; validated as a whole first."""
    row = _step(session, standard_id, version, "draft")
    doc = _validated({**row.document, **changes, "standard_id": standard_id, "version": version})
    row.document = doc.model_dump(mode="json")
    row.title_zh, row.title_en, row.domain = doc.title_zh, doc.title_en, doc.domain
    row.effective_from = doc.effective_from
    session.add(row)
    session.flush()
    return row


def create_draft(session: Session, payload: dict[str, Any]) -> ConversionStandard:
    """Store a new draft version; its number is one more than the standard's latest.

    ``payload`` is a standard document without ``version`` (any given one is replaced).
    """
    standard_id = payload.get("standard_id")
    # Only text is looked up; any other value is refused by the validation below.
    latest = (
        session.exec(
            select(func.max(ConversionStandard.version)).where(
                col(ConversionStandard.standard_id) == standard_id
            )
        ).one()
        if isinstance(standard_id, str)
        else None
    )
    doc = _validated({**payload, "version": (latest or 0) + 1})
    row = ConversionStandard(
        standard_id=doc.standard_id,
        version=doc.version,
        title_zh=doc.title_zh,
        title_en=doc.title_en,
        domain=doc.domain,
        status="draft",
        document=doc.model_dump(mode="json"),
        effective_from=doc.effective_from,
    )
    session.add(row)
    session.flush()
    return row


def _step(session: Session, standard_id: str, version: int, need: str) -> ConversionStandard:
    row = get_version(session, standard_id, version)
    if row.status != need:
        raise StandardState(
            f"standard {standard_id}@{version} is {row.status}; this step needs {need}"
        )
    return row


def submit_for_review(session: Session, standard_id: str, version: int) -> ConversionStandard:
    """draft → under_review, once the document is valid (a draft stored before a check
    existed, e.g. one for contradicting rules, is refused as when it is saved)."""
    row = _step(session, standard_id, version, "draft")
    _validated(row.document)
    row.status = "under_review"
    session.add(row)
    session.flush()
    return row


def mark_approved(
    session: Session, standard_id: str, version: int, *, approved_at: datetime
) -> ConversionStandard:
    """under_review → approved (called by the committee once its quorum approves)."""
    row = _step(session, standard_id, version, "under_review")
    row.status = "approved"
    row.approved_at = approved_at
    session.add(row)
    session.flush()
    return row


def current_effective(session: Session, standard_id: str) -> ConversionStandard | None:
    """The effective version of ``standard_id``, if any."""
    statement = select(ConversionStandard).where(
        col(ConversionStandard.standard_id) == standard_id,
        col(ConversionStandard.status) == "effective",
    )
    return session.exec(statement).first()


def make_effective(
    session: Session, standard_id: str, version: int, *, on: date
) -> ConversionStandard:
    """approved → effective from ``on``; the previously effective version is superseded."""
    row = _step(session, standard_id, version, "approved")
    previous = current_effective(session, standard_id)
    if previous is not None:
        previous.status = "superseded"
        session.add(previous)
        # Flush first so the two versions are never effective at once.
        session.flush()
    row.status = "effective"
    row.effective_from = on
    document = dict(row.document)
    document["effective_from"] = on.isoformat()
    row.document = document
    session.add(row)
    session.flush()
    return row


def _in_force(rows: list[ConversionStandard], on: date) -> dict[str, ConversionStandard]:
    """Per standard, the approved version with the latest effective date on or before ``on``."""
    chosen: dict[str, ConversionStandard] = {}
    for row in rows:
        if row.status not in _APPROVED:
            continue
        # An effective version without a date (the first seeded ones) is in force always.
        since = row.effective_from or (date.min if row.status == "effective" else None)
        if since is None or since > on:
            continue
        best = chosen.get(row.standard_id)
        best_since = None if best is None else (best.effective_from or date.min)
        if best is None or (since, row.version) > (best_since, best.version):
            chosen[row.standard_id] = row
    return chosen


def effective_standards(session: Session, on: date) -> list[StandardDocument]:
    """Documents of the versions in force on ``on`` (one per standard), by standard id."""
    rows = list(
        session.exec(
            select(ConversionStandard).where(col(ConversionStandard.status).in_(_APPROVED))
        )
    )
    return [document_of(row) for _, row in sorted(_in_force(rows, on).items())]


def promote_due(session: Session, today: date) -> list[ConversionStandard]:
    """Bring stored statuses in line with the dates: the version in force ``today`` is
    ``effective``, the effective one it follows ``superseded``. Returns the versions promoted.

    Runs in a savepoint: a concurrent request promoting the same version wins, this one
    goes on with what that one committed.
    """
    rows = list(
        session.exec(
            select(ConversionStandard).where(col(ConversionStandard.status).in_(_APPROVED))
        )
    )
    due = [row for row in _in_force(rows, today).values() if row.status == "approved"]
    promoted = []
    for row in due:
        assert row.effective_from is not None
        try:
            with session.begin_nested():
                promoted.append(
                    make_effective(session, row.standard_id, row.version, on=row.effective_from)
                )
        except (IntegrityError, StandardState):
            session.expire_all()
    return promoted


def catalogue(session: Session, on: date) -> Catalogue:
    """The engine's compiled view of :func:`effective_standards` (statuses promoted first)."""
    promote_due(session, utcnow().date())
    return Catalogue(effective_standards(session, on))


def return_to_draft(
    session: Session, standard_id: str, version: int, *, reasons: str
) -> ConversionStandard:
    """under_review → draft, with the committee's ``reasons`` kept (``review_notes``)."""
    row = _step(session, standard_id, version, "under_review")
    row.status = "draft"
    row.review_notes = reasons[:2000]
    session.add(row)
    session.flush()
    return row


def set_effective_date(
    session: Session, standard_id: str, version: int, *, on: date
) -> ConversionStandard:
    """Set the day a version comes into force once approved (draft, under review, or
    approved and not yet in force); an approved version whose day has come is promoted."""
    row = get_version(session, standard_id, version)
    if row.status not in _DATEABLE:
        raise StandardState(
            f"standard {standard_id}@{version} is {row.status}; its effective date is fixed"
        )
    row.effective_from = on
    document = dict(row.document)
    document["effective_from"] = on.isoformat()
    row.document = document
    session.add(row)
    session.flush()
    promote_due(session, utcnow().date())
    return row


def approve_and_schedule(
    session: Session, standard_id: str, version: int, *, approved_at: datetime
) -> ConversionStandard:
    """The committee's approval: under_review → approved, dated ``effective_from`` (the day
    of approval unless one was set), and effective at once when that day has come."""
    row = mark_approved(session, standard_id, version, approved_at=approved_at)
    if row.effective_from is None:
        row.effective_from = approved_at.date()
        document = dict(row.document)
        document["effective_from"] = row.effective_from.isoformat()
        row.document = document
        session.add(row)
        session.flush()
    promote_due(session, approved_at.date())
    return row


def draft_from(
    session: Session, standard_id: str, version: int, changes: dict[str, Any]
) -> ConversionStandard:
    """A new draft copied from ``standard_id@version`` with top-level ``changes`` applied.

    The copy starts without an effective date unless ``changes`` gives one.
    """
    base = get_version(session, standard_id, version)
    payload = {**base.document, "effective_from": None, **changes}
    payload["standard_id"] = standard_id
    payload.pop("version", None)
    return create_draft(session, payload)
