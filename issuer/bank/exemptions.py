"""Conversion of transferred credits into exemptions (免修) at the receiving institution.

The university that recorded a transfer maps the accepted entries to its own courses:
"免修 of course X by entry Y". Only the transfer's own institution may do so, only for
entries of that transfer (``invalid_request``, naming the course otherwise), each
of its courses once per transfer (``exemption_exists``, also held by a unique
constraint), and each entry for one course (``exemption_exists``: one course's worth of
credits does not exempt two). The learner's account shows where each credit went
(:func:`for_transfers`).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.bank import accounts
from issuer.bank.transfer_items import carried_entries
from issuer.core import audit
from issuer.core.errors import ExemptionExists, InvalidRequest, NotFound
from issuer.models import (
    Credential,
    ExemptionCreate,
    ExemptionPublic,
    Institution,
    Transfer,
    TransferExemption,
    TransferItem,
    utcnow,
)

__all__ = ["for_transfers", "record_exemptions"]


def _items(session: Session, transfer_id: int) -> dict[tuple[str, int], TransferItem]:
    rows = session.exec(
        select(TransferItem, Credential.jti)
        .join(Credential, col(Credential.id) == col(TransferItem.credential_id))
        .where(col(TransferItem.transfer_id) == transfer_id)
    ).all()
    return {(jti, item.position): item for item, jti in rows}


def for_transfers(session: Session, transfer_ids: list[int]) -> dict[int, list[ExemptionPublic]]:
    """Per transfer id, its exemptions in the order recorded."""
    out: dict[int, list[ExemptionPublic]] = defaultdict(list)
    rows = session.exec(
        select(TransferExemption, TransferItem, Credential.jti)
        .join(
            TransferItem,
            (col(TransferItem.transfer_id) == col(TransferExemption.transfer_id))
            & (col(TransferItem.ledger_entry_id) == col(TransferExemption.ledger_entry_id)),
        )
        .join(Credential, col(Credential.id) == col(TransferItem.credential_id))
        .where(col(TransferExemption.transfer_id).in_(transfer_ids))
        .order_by(col(TransferExemption.id))
    ).all()
    carried = carried_entries(session, list({item.credential_id for _, item, _ in rows}))
    for exemption, item, jti in rows:
        title = next(
            (c.title for c in carried.get(item.credential_id, []) if c.position == item.position),
            "",
        )
        out[exemption.transfer_id].append(
            ExemptionPublic(
                transfer_id=exemption.transfer_id,
                course_code=exemption.course_code,
                course_name=exemption.course_name,
                jti=jti,
                position=item.position,
                title=title,
                created_at=exemption.created_at,
            )
        )
    return dict(out)


def record_exemptions(
    session: Session, institution: Institution, transfer_id: int, data: ExemptionCreate
) -> list[ExemptionPublic]:
    """Record the exemptions of transfer ``transfer_id`` (the caller commits)."""
    transfer = session.get(Transfer, transfer_id)
    if transfer is None or transfer.institution_id != institution.id:
        raise NotFound(f"{institution.name_en} recorded no transfer {transfer_id}")
    accounts.lock_learner(session, transfer.learner_id)
    items = _items(session, transfer_id)
    rows = session.exec(
        select(TransferExemption.course_code, TransferExemption.ledger_entry_id).where(
            col(TransferExemption.transfer_id) == transfer_id
        )
    ).all()
    existing = {code for code, _ in rows}
    entries = {entry: code for code, entry in rows}
    codes: set[str] = set()
    moment = utcnow()
    for exemption in data.exemptions:
        item = items.get((exemption.jti, exemption.position))
        if item is None:
            raise InvalidRequest(
                f"entry {exemption.position} of credential {exemption.jti} is not part of "
                f"transfer {transfer_id}; exemption of {exemption.course_name} refused"
            )
        code = exemption.course_code.strip()
        if code in existing or code in codes:
            raise ExemptionExists(
                f"{exemption.course_name} ({code}) is already exempted in transfer {transfer_id}"
            )
        if item.ledger_entry_id in entries:
            raise ExemptionExists(
                f"entry {exemption.position} of credential {exemption.jti} already exempts "
                f"course {entries[item.ledger_entry_id]}; it cannot exempt "
                f"{exemption.course_name} too"
            )
        codes.add(code)
        entries[item.ledger_entry_id] = code
        session.add(
            TransferExemption(
                transfer_id=transfer_id,
                ledger_entry_id=item.ledger_entry_id,
                course_code=code,
                course_name=exemption.course_name.strip(),
                created_at=moment,
            )
        )
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request exempted the same course
        raise ExemptionExists("a concurrent request recorded the same exemption") from exc
    audit.record(
        session,
        actor=f"institution:{institution.code}",
        action="transfer.exempt",
        subject=f"learner:{transfer.learner_id}",
        payload={"transfer_id": transfer_id, "courses": sorted(codes)},
    )
    return for_transfers(session, [transfer_id]).get(transfer_id, [])
