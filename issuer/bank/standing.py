"""What each deposit of an account still holds: credits not transferred, redeemed or reversed.

Issuing a credential and recording a transfer both refuse credits the account no longer
holds, with the same errors; both ask here.
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from issuer.core.errors import (
    AlreadyRedeemed,
    AlreadyTransferred,
    CreditBankError,
    InsufficientCredits,
    InvalidRequest,
    NotFound,
    NotRecognised,
)
from issuer.models import LedgerEntry, Redemption, RedemptionItem, TransferItem

__all__ = ["deposit_entries", "deposit_standing", "standing_credits", "standing_deposits"]


def deposit_entries(session: Session, learner_id: int, entry_ids: list[int]) -> list[LedgerEntry]:
    """The learner's deposit entries with these ids, in the order asked for.

    Entries that do not exist or belong to someone else are :class:`NotFound`; entries
    of the learner that are not deposits of an achievement are :class:`NotRecognised`;
    a repeated id is :class:`InvalidRequest`.
    """
    if len(set(entry_ids)) != len(entry_ids):
        raise InvalidRequest("entry_ids must not repeat an entry")
    rows = session.exec(
        select(LedgerEntry).where(
            col(LedgerEntry.id).in_(entry_ids), col(LedgerEntry.learner_id) == learner_id
        )
    ).all()
    by_id = {row.id: row for row in rows}
    out: list[LedgerEntry] = []
    for entry_id in entry_ids:
        entry = by_id.get(entry_id)
        if entry is None:
            raise NotFound(f"learner {learner_id} has no ledger entry {entry_id}")
        if entry.kind != "deposit" or entry.achievement_id is None:
            raise NotRecognised(f"ledger entry {entry_id} is a {entry.kind}, not a deposit")
        out.append(entry)
    return out


def standing_credits(
    session: Session, learner_id: int, deposits: list[LedgerEntry]
) -> dict[int, int]:
    """Half-credits each deposit still holds, by ledger entry id.

    A deposit whose credits went to a university is :class:`AlreadyTransferred`, one
    counted toward a qualification :class:`AlreadyRedeemed`, and one a reversal or a
    downward adjustment left without credits :class:`InsufficientCredits`: no credential
    is issued, and no transfer recorded, over credits the account no longer holds.
    """
    standing = _standing(session, learner_id, deposits)
    for kind in (AlreadyTransferred, AlreadyRedeemed, InsufficientCredits):
        for value in standing.values():
            if isinstance(value, kind):
                raise value
    return {entry_id: half for entry_id, half in standing.items() if isinstance(half, int)}


def deposit_standing(
    session: Session, learner_id: int, deposits: list[LedgerEntry]
) -> dict[int, int | CreditBankError]:
    """Per deposit id: the half-credits it still holds, or the error that refuses it.

    For callers that report every refused deposit rather than the first (transfers).
    """
    return _standing(session, learner_id, deposits)


def standing_deposits(session: Session, learner_id: int) -> list[LedgerEntry]:
    """The learner's deposits that still hold credits (not transferred, redeemed or reversed)."""
    rows = list(
        session.exec(
            select(LedgerEntry)
            .where(
                col(LedgerEntry.learner_id) == learner_id,
                col(LedgerEntry.kind) == "deposit",
                col(LedgerEntry.achievement_id).is_not(None),
            )
            .order_by(col(LedgerEntry.seq))
        ).all()
    )
    standing = _standing(session, learner_id, rows)
    return [row for row in rows if isinstance(standing.get(row.id or 0), int)]


def _standing(
    session: Session, learner_id: int, deposits: list[LedgerEntry]
) -> dict[int, int | CreditBankError]:
    """For each deposit id, the half-credits it still holds or the error that refuses it.

    Three queries whatever the number of deposits: transfers, redemptions, net credits.
    """
    ids = [d.id for d in deposits]
    transferred = set(
        session.exec(
            select(TransferItem.ledger_entry_id).where(col(TransferItem.ledger_entry_id).in_(ids))
        )
    )
    units = {f"a:{d.achievement_id}" for d in deposits} | {f"e:{d.id}" for d in deposits}
    redeemed = set(
        session.exec(
            select(RedemptionItem.unit)
            .join(Redemption, col(Redemption.id) == col(RedemptionItem.redemption_id))
            .where(col(Redemption.learner_id) == learner_id, col(RedemptionItem.unit).in_(units))
        )
    )
    net = dict(
        session.exec(
            select(LedgerEntry.achievement_id, func.sum(LedgerEntry.half_credits))
            .where(
                col(LedgerEntry.learner_id) == learner_id,
                col(LedgerEntry.achievement_id).in_([d.achievement_id for d in deposits]),
            )
            .group_by(col(LedgerEntry.achievement_id))
        ).all()
    )
    out: dict[int, int | CreditBankError] = {}
    for deposit in deposits:
        assert deposit.id is not None and deposit.achievement_id is not None
        half = min(deposit.half_credits, int(net.get(deposit.achievement_id) or 0))
        unit = next(
            (u for u in (f"a:{deposit.achievement_id}", f"e:{deposit.id}") if u in redeemed), None
        )
        if deposit.id in transferred:
            out[deposit.id] = AlreadyTransferred(
                f"the credits of ledger entry {deposit.id} were already transferred"
            )
        elif unit is not None:
            out[deposit.id] = AlreadyRedeemed(
                f"the credits of {unit} already count toward a qualification"
            )
        elif half <= 0:
            out[deposit.id] = InsufficientCredits(
                f"ledger entry {deposit.id} holds no credits any more"
            )
        else:
            out[deposit.id] = half
    return out
