"""Issuing Open Badges 3.0 and CLR 2.0 credentials secured with Data Integrity proofs.

The same documents as the JWT forms (:mod:`issuer.credentials.vc_documents`), with 1-bit
``revocation`` and ``suspension`` status entries and an ``eddsa-rdfc-2022`` proof by the
key store's Ed25519 proof key (:mod:`issuer.credentials.vc_proofs`). Stored with
``format`` ``ob3+ldp`` / ``clr+ldp``; the stored token is the secured JSON document.
A CLR embeds each achievement's secured OB credential, all sharing the transcript's
status slot: revoking the transcript revokes what it carries.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from issuer.bank.accounts import lock_learner
from issuer.core.settings import Settings
from issuer.credentials import status_slots, vc_proofs
from issuer.credentials.vc_documents import achievement_credential, clr_credential
from issuer.credentials.vc_issuance import (
    _learnerish,
    _Moment,
    _store,
    entry_facts,
    status_list_url,
)
from issuer.models import Credential
from keys import KeyStore
from verifier.formats import bitstring_status

__all__ = ["issue_clr_ldp", "issue_ob3_ldp", "serialize"]


def serialize(document: dict[str, Any]) -> str:
    """The stored and returned text of a secured document (UTF-8 JSON, minified)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def issue_ob3_ldp(
    session: Session,
    settings: Settings,
    keystore: KeyStore,
    learner_id: int,
    entry_id: int,
    *,
    now: datetime | None = None,
    actor: str = "admin",
) -> Credential:
    """An OB 3.0 AchievementCredential with a Data Integrity proof (``format="ob3+ldp"``)."""
    learner = lock_learner(session, learner_id)
    assert learner.id is not None
    (fact,) = entry_facts(session, learner.id, [entry_id])
    moment = _Moment(settings, now)
    slot = status_slots.allocate(session, settings)
    jti = str(uuid.uuid4())
    document = achievement_credential(
        settings,
        _learnerish(learner),
        fact,
        jti=jti,
        status_url=status_list_url(settings, slot[0], bitstring=True),
        status_index=slot[1],
        valid_from=moment.valid_from,
        valid_until=moment.valid_until,
        credential_status=bitstring_status.purpose_entries(
            status_list_url(settings, slot[0]), slot[1]
        ),
    )
    secured = vc_proofs.secure(document, settings, keystore, created=moment.issued_at)
    return _store(
        session,
        jti=jti,
        fmt="ob3+ldp",
        learner_id=learner.id,
        token=serialize(secured),
        slot=slot,
        moment=moment,
        entry_ids=[entry_id],
        actor=actor,
    )


def issue_clr_ldp(
    session: Session,
    settings: Settings,
    keystore: KeyStore,
    learner_id: int,
    *,
    now: datetime | None = None,
    actor: str = "admin",
) -> Credential:
    """A CLR 2.0 transcript of every standing deposit with a Data Integrity proof (``clr+ldp``)."""
    learner = lock_learner(session, learner_id)
    assert learner.id is not None
    facts = entry_facts(session, learner.id, None)
    moment = _Moment(settings, now)
    slot = status_slots.allocate(session, settings)
    entries = bitstring_status.purpose_entries(status_list_url(settings, slot[0]), slot[1])
    dates: dict[str, Any] = {"valid_from": moment.valid_from, "valid_until": moment.valid_until}
    who = _learnerish(learner)
    url, index = status_list_url(settings, slot[0], bitstring=True), slot[1]
    embedded = [
        vc_proofs.secure(
            achievement_credential(
                settings,
                who,
                fact,
                jti=str(uuid.uuid4()),
                status_url=url,
                status_index=index,
                credential_status=entries,
                **dates,
            ),
            settings,
            keystore,
            created=moment.issued_at,
        )
        for fact in facts
    ]
    jti = str(uuid.uuid4())
    document = clr_credential(
        settings,
        who,
        facts,
        [],
        jti=jti,
        status_url=url,
        status_index=index,
        credential_status=entries,
        embedded=embedded,
        **dates,
    )
    secured = vc_proofs.secure(document, settings, keystore, created=moment.issued_at)
    return _store(
        session,
        jti=jti,
        fmt="clr+ldp",
        learner_id=learner.id,
        token=serialize(secured),
        slot=slot,
        moment=moment,
        entry_ids=[f.entry_id for f in facts],
        actor=actor,
    )
