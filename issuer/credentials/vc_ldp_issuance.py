"""Issuing Open Badges 3.0 and CLR 2.0 credentials secured with Data Integrity proofs.

The same documents as the JWT forms (:mod:`issuer.credentials.vc_documents`, with their
1-bit ``revocation`` and ``suspension`` status entries), prepared the same way
(:func:`issuer.credentials.vc_preparation.prepare`), with an ``eddsa-rdfc-2022`` proof by the
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

from issuer.core.settings import Settings
from issuer.credentials import vc_proofs
from issuer.credentials.vc_documents import achievement_credential, clr_credential
from issuer.credentials.vc_preparation import prepare
from issuer.models import Credential
from keys import KeyStore

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
    issuing = prepare(session, settings, learner_id, [entry_id], now)
    document = achievement_credential(
        settings,
        issuing.who,
        issuing.facts[0],
        jti=issuing.jti,
        status_url=issuing.status_url,
        status_index=issuing.status_index,
        **issuing.moment.dates,
    )
    secured = vc_proofs.secure(document, settings, keystore, created=issuing.moment.issued_at)
    return issuing.store(session, fmt="ob3+ldp", token=serialize(secured), actor=actor)


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
    issuing = prepare(session, settings, learner_id, None, now)
    created = issuing.moment.issued_at
    embedded = [
        vc_proofs.secure(
            achievement_credential(
                settings,
                issuing.who,
                fact,
                jti=str(uuid.uuid4()),
                status_url=issuing.status_url,
                status_index=issuing.status_index,
                **issuing.moment.dates,
            ),
            settings,
            keystore,
            created=created,
        )
        for fact in issuing.facts
    ]
    document = clr_credential(
        settings,
        issuing.who,
        issuing.facts,
        [],
        jti=issuing.jti,
        status_url=issuing.status_url,
        status_index=issuing.status_index,
        embedded=embedded,
        **issuing.moment.dates,
    )
    secured = vc_proofs.secure(document, settings, keystore, created=created)
    return issuing.store(session, fmt="clr+ldp", token=serialize(secured), actor=actor)
