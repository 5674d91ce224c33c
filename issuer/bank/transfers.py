"""Recording a credit transfer: the receiving university takes the credits it accepted.

The university checks credentials offline (``creditbank-verify transfer``) and sends the
accepted entries (``jti`` and position) with its institution API key and the learner's
consent (:mod:`issuer.bank.consent`: an application to it, or a presentation for it).
The bank then checks every item again against its own records
(:mod:`issuer.bank.transfer_items`: within the consent, credential active, deposit
still holding its credits) and refuses the whole request when any item is refused,
naming each refused item's course and institution in the problem's ``errors``.

It then writes one ``transfer`` row, its ``transfer_consent`` (unique per application and
per nonce: a consent is used once, even when two requests race), one ``transfer_out``
ledger entry per deposit (negative, same domain, standard and achievement, so the credits
leave the balance and the achievement's net credits, which qualification redemption
counts, drop to zero), and one ``transfer_item`` per deposit whose unique
``ledger_entry_id`` makes a second transfer of the same deposit fail even when two
requests race. The same deposit reached through two credentials of one request is
transferred once and reported in ``duplicates``. The consent's use is audited with the
learner as subject. Everything happens in the request's one transaction: all or nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from issuer.bank import ledger, standing
from issuer.bank.consent import Consent, claim_nonce, require_receiver
from issuer.bank.transfer_items import Carried, ItemRefusals, Pick, read_items
from issuer.core import audit
from issuer.core.errors import (
    AlreadyRedeemed,
    AlreadyTransferred,
    ConsentUsed,
    CreditBankError,
    InsufficientCredits,
)
from issuer.models import (
    Institution,
    Transfer,
    TransferConsent,
    TransferCreate,
    TransferItem,
    TransferItemPublic,
    TransferPublic,
    utcnow,
)

__all__ = ["RULE", "record_transfer"]

#: The ``rule`` of every transfer_out ledger entry.
RULE = "TRANSFER"


def _standing_error(error: CreditBankError, carried: Carried) -> CreditBankError:
    """The standing refusal reworded to name the course, not the ledger entry."""
    named = carried.named()
    if isinstance(error, AlreadyTransferred):
        return AlreadyTransferred(f"the credits of {named} were already transferred")
    if isinstance(error, AlreadyRedeemed):
        return AlreadyRedeemed(f"the credits of {named} already count toward a qualification")
    if isinstance(error, InsufficientCredits):
        return InsufficientCredits(f"{named} holds no credits any more")
    return error


def _available(
    session: Session, learner_id: int, picks: list[Pick], refusals: ItemRefusals
) -> dict[int, int]:
    standing_of = standing.deposit_standing(session, learner_id, [p.carried.deposit for p in picks])
    available: dict[int, int] = {}
    for pick in picks:
        assert pick.carried.deposit.id is not None
        value = standing_of[pick.carried.deposit.id]
        if isinstance(value, int):
            available[pick.carried.deposit.id] = value
        else:
            refusals.add(
                _standing_error(value, pick.carried),
                pick.credential.jti,
                pick.carried.position,
                pick.carried,
            )
    return available


def record_transfer(
    session: Session,
    institution: Institution,
    data: TransferCreate,
    consent: Consent,
    *,
    now: datetime | None = None,
) -> TransferPublic:
    """Record the transfer of the accepted entries to ``institution`` (the caller commits).

    ``consent`` comes from :func:`issuer.bank.consent.application_consent` or the
    presentation check of ``issuer.credentials.transfer_consent``.
    """
    require_receiver(institution)
    moment = now or utcnow()
    picks, duplicates, refusals = read_items(session, data, consent, moment)
    refusals.raise_if_any(len(data.items))
    learner_id = picks[0].credential.learner_id
    # The account before its deposits are read, so concurrent transfers of one deposit queue.
    ledger.lock_account(session, learner_id)
    consent.recheck(session)
    if consent.nonce is not None:  # before the deposits: a replay is a replay first
        claim_nonce(session, consent.nonce, moment)
    available = _available(session, learner_id, picks, refusals)
    refusals.raise_if_any(len(data.items))
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
    try:
        session.add(
            TransferConsent(
                transfer_id=transfer.id,
                kind=consent.kind,
                application_id=None if consent.application is None else consent.application.id,
                nonce_id=None if consent.nonce is None else consent.nonce.id,
            )
        )
        session.flush()
    except IntegrityError as exc:  # a concurrent request used the same consent
        raise ConsentUsed(f"{consent.describe()} was used by a concurrent request") from exc
    if consent.application is not None:
        consent.application.state = "recorded"
        consent.application.decided_at = moment
        session.add(consent.application)
    items: list[TransferItemPublic] = []
    try:
        for pick in picks:
            deposit = pick.carried.deposit
            assert deposit.id is not None and pick.credential.id is not None
            half = available[deposit.id]
            title = pick.carried.title
            out = ledger.append(
                session,
                learner_id=learner_id,
                kind="transfer_out",
                half_credits=-half,
                domain=deposit.domain,
                standard=deposit.standard,
                rule=RULE,
                explanation=(
                    f"学分转出至{institution.name_zh}（转换 #{transfer.id}）：{title}\n"
                    f"transferred to {institution.name_en} (transfer #{transfer.id}): {title}"
                )[
                    # "<zh>\n<en>", the two-language form pages show one line of.
                    :1000
                ],
                achievement_id=deposit.achievement_id,
                now=moment,
            )
            assert out.id is not None
            session.add(
                TransferItem(
                    transfer_id=transfer.id,
                    ledger_entry_id=deposit.id,
                    credential_id=pick.credential.id,
                    position=pick.carried.position,
                    out_entry_id=out.id,
                )
            )
            session.flush()
            items.append(
                TransferItemPublic(
                    jti=pick.credential.jti,
                    position=pick.carried.position,
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
        subject=f"learner:{learner_id}",
        payload={
            "transfer_id": transfer.id,
            "consent": consent.kind,
            "application_id": None if consent.application is None else consent.application.id,
            "nonce_id": None if consent.nonce is None else consent.nonce.id,
            "items": [[i.jti, i.position] for i in items],
        },
        summary=(
            f"{transfer.half_credits / 2:g} credits of learner {learner_id} "
            f"transferred to {institution.code} with the learner's {consent.kind}"
        ),
        reason=data.policy or None,
        case=None if data.reference is None else f"reference:{data.reference}",
        details={
            "transfer_id": transfer.id,
            "learner_id": learner_id,
            "institution": institution.code,
            "half_credits": transfer.half_credits,
            "consent": consent.kind,
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
        consent=consent.kind,
        application_id=None if consent.application is None else consent.application.id,
        created_at=transfer.created_at,
    )
