"""Recording a credit transfer: the receiving university takes the credits it accepted.

The university checks credentials offline (``creditbank-verify transfer``) and sends the
accepted entries (``jti`` and position) with its institution API key. The bank then
checks them again against its own records:

- every credential exists (``not_found``), is ``active`` (``credential_revoked``,
  ``credential_suspended``), not expired (``credential_expired``), and all belong to
  one learner (``invalid_request``);
- no deposit they carry was transferred before (``already_transferred``) or counted
  toward a qualification (``already_redeemed``), and it still holds its credits
  (``insufficient_credits``, e.g. after a reversal).

It then writes one ``transfer`` row, one ``transfer_out`` ledger entry per deposit
(negative, same domain, standard and achievement, so the credits leave the balance and
the achievement's net credits, which qualification redemption counts, drop to zero),
and one ``transfer_item`` per deposit whose unique ``ledger_entry_id`` makes a second
transfer of the same deposit fail even when two requests race. The same deposit
reached through two credentials of one request is transferred once and reported in
``duplicates``. Everything happens in the request's one transaction: all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.bank import ledger, standing
from issuer.core import audit
from issuer.core.errors import (
    AlreadyTransferred,
    CredentialExpired,
    CredentialRevoked,
    CredentialSuspended,
    InvalidRequest,
    NotFound,
)
from issuer.models import (
    Achievement,
    Credential,
    CredentialEntry,
    Institution,
    LedgerEntry,
    Transfer,
    TransferCreate,
    TransferItem,
    TransferItemPublic,
    TransferPublic,
    utcnow,
)

__all__ = ["RULE", "record_transfer"]

#: The ``rule`` of every transfer_out ledger entry.
RULE = "TRANSFER"


@dataclass
class _Pick:
    credential: Credential
    position: int
    deposit: LedgerEntry


def _credentials(session: Session, data: TransferCreate, now: datetime) -> dict[str, Credential]:
    jtis = {item.jti for item in data.items}
    rows = session.exec(select(Credential).where(col(Credential.jti).in_(jtis))).all()
    found = {row.jti: row for row in rows}
    for item in data.items:  # in request order, so the first bad one is named
        credential = found.get(item.jti)
        if credential is None:
            raise NotFound(f"no credential {item.jti}")
        if credential.status == "revoked":
            raise CredentialRevoked(f"credential {item.jti} is revoked")
        if credential.status == "suspended":
            raise CredentialSuspended(f"credential {item.jti} is suspended")
        if credential.expires_at is not None and credential.expires_at <= now:
            raise CredentialExpired(f"credential {item.jti} expired at {credential.expires_at}")
    if len({c.learner_id for c in found.values()}) != 1:
        raise InvalidRequest("a transfer covers the credentials of one learner only")
    return found


def _picks(
    session: Session, data: TransferCreate, credentials: dict[str, Credential]
) -> tuple[list[_Pick], list[str]]:
    ids = [c.id for c in credentials.values()]
    rows = session.exec(
        select(CredentialEntry, LedgerEntry)
        .join(LedgerEntry, col(LedgerEntry.id) == col(CredentialEntry.ledger_entry_id))
        .where(col(CredentialEntry.credential_id).in_(ids))
    ).all()
    carried = {(ce.credential_id, ce.position): entry for ce, entry in rows}
    picks: list[_Pick] = []
    duplicates: list[str] = []
    seen: set[int | None] = set()
    for item in data.items:
        credential = credentials[item.jti]
        positions = (
            sorted(p for (cid, p) in carried if cid == credential.id)
            if item.position is None
            else [item.position]
        )
        if not positions:
            raise InvalidRequest(f"credential {item.jti} carries no ledger entries to transfer")
        for position in positions:
            deposit = carried.get((credential.id, position))  # type: ignore[arg-type]
            if deposit is None:
                raise InvalidRequest(f"credential {item.jti} has no entry at position {position}")
            if deposit.id in seen:
                duplicates.append(f"{item.jti}#{position}")
                continue
            seen.add(deposit.id)
            picks.append(_Pick(credential, position, deposit))
    return picks, duplicates


def record_transfer(
    session: Session, institution: Institution, data: TransferCreate, *, now: datetime | None = None
) -> TransferPublic:
    """Record the transfer of the accepted entries to ``institution`` (the caller commits)."""
    moment = now or utcnow()
    credentials = _credentials(session, data, moment)
    learner_id = next(iter(credentials.values())).learner_id
    # The account before its deposits are read, so concurrent transfers of one deposit queue.
    ledger.lock_account(session, learner_id)
    picks, duplicates = _picks(session, data, credentials)
    available = standing.standing_credits(session, learner_id, [p.deposit for p in picks])
    assert institution.id is not None
    transfer = Transfer(
        institution_id=institution.id,
        learner_id=learner_id,
        policy=data.policy,
        reference=data.reference,
        half_credits=sum(available.values()),
        created_at=moment,
    )
    session.add(transfer)
    session.flush()
    assert transfer.id is not None
    items: list[TransferItemPublic] = []
    try:
        for pick in picks:
            deposit = pick.deposit
            assert deposit.id is not None and pick.credential.id is not None
            half = available[deposit.id]
            achievement = session.get(Achievement, deposit.achievement_id)
            title = achievement.title if achievement is not None else deposit.explanation
            out = ledger.append(
                session,
                learner_id=learner_id,
                kind="transfer_out",
                half_credits=-half,
                domain=deposit.domain,
                standard=deposit.standard,
                rule=RULE,
                explanation=(
                    f"学分转出至{institution.name_zh}（转换 #{transfer.id}）; transferred to "
                    f"{institution.name_en} (transfer #{transfer.id}): {title}"
                )[:1000],
                achievement_id=deposit.achievement_id,
                now=moment,
            )
            assert out.id is not None
            session.add(
                TransferItem(
                    transfer_id=transfer.id,
                    ledger_entry_id=deposit.id,
                    credential_id=pick.credential.id,
                    position=pick.position,
                    out_entry_id=out.id,
                )
            )
            session.flush()
            items.append(
                TransferItemPublic(
                    jti=pick.credential.jti,
                    position=pick.position,
                    ledger_entry_id=deposit.id,
                    out_entry_id=out.id,
                    title=title,
                    domain=deposit.domain,
                    standard=deposit.standard,
                    credits=half / 2,
                    half_credits=half,
                )
            )
    except IntegrityError as exc:  # a concurrent request transferred the same deposit
        raise AlreadyTransferred("the credits were transferred by a concurrent request") from exc
    audit.record(
        session,
        actor=f"institution:{institution.code}",
        action="transfer.record",
        subject=f"transfer:{transfer.id}",
        payload=data.model_dump(mode="json"),
        summary=(
            f"{transfer.half_credits / 2:g} credits of learner {learner_id} "
            f"transferred to {institution.code}"
        ),
        reason=data.policy or None,
        case=None if data.reference is None else f"reference:{data.reference}",
        details={
            "learner_id": learner_id,
            "institution": institution.code,
            "half_credits": transfer.half_credits,
            "ledger_entry_ids": [item.ledger_entry_id for item in items],
        },
    )
    return TransferPublic(
        id=transfer.id,
        institution=institution.code,
        learner_id=learner_id,
        policy=transfer.policy,
        reference=transfer.reference,
        credits=transfer.half_credits / 2,
        half_credits=transfer.half_credits,
        items=items,
        duplicates=duplicates,
        created_at=transfer.created_at,
    )
