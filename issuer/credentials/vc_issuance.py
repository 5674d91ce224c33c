"""Issuing Open Badges 3.0, CLR 2.0 and SD-JWT VC credentials from a learner's deposits.

Each function prepares the issuance (:func:`issuer.credentials.vc_preparation.prepare`:
the learner's lock, the deposits, the moment, a status-list slot), signs with the key
store and stores a :class:`~issuer.models.Credential` row (the caller commits). The
documents themselves are built in :mod:`issuer.credentials.vc_documents`; the wire
formats live in ``verifier/formats``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from issuer.core.errors import InvalidHolderKey
from issuer.core.settings import Settings
from issuer.credentials.discovery import key_url
from issuer.credentials.vc_documents import (
    achievement_credential,
    clr_credential,
    sd_jwt_claims,
)
from issuer.credentials.vc_preparation import entry_facts, prepare, status_list_url
from issuer.models import Credential
from keys import InvalidKey, KeyStore, Signer, UnsupportedAlgorithm, load_public_jwk
from verifier.formats import sd_jwt, vc_jwt
from verifier.formats.holder_key import holder_public_jwk

__all__ = [
    "OB_ALGORITHMS",
    "entry_facts",
    "issue_clr",
    "issue_ob3",
    "issue_sd_jwt",
    "status_list_url",
]

#: Algorithms the Open Badges JWT form may be signed with (the 1EdTech validator's).
#: RS256, the badge key's, is the default: OB 3.0 §8.2 requires every verifier to support
#: it and no other (docs/formats.md, "Algorithms").
OB_ALGORITHMS = ("RS256", "ES256")


def _ob_signer(keystore: KeyStore, alg: str | None) -> Signer:
    """The key an Open Badges / CLR JWT is signed with: the badge key by default.

    ``alg`` asks for another algorithm of :data:`OB_ALGORITHMS`: the active badge key if
    it has that algorithm, else the active signing key if it does (ES256 by default);
    :class:`UnsupportedAlgorithm` when neither does.
    """
    badge = keystore.badge_signer()
    if alg is None or alg == badge.alg:
        return badge
    if alg not in OB_ALGORITHMS:
        raise UnsupportedAlgorithm(f"Open Badges JWTs are signed with {' or '.join(OB_ALGORITHMS)}")
    signer = keystore.signer()
    if signer.alg != alg:
        raise UnsupportedAlgorithm(
            f"no active key signs {alg} (badge key {badge.alg}, signing key {signer.alg}); "
            f"rotate to an {alg} key first"
        )
    return signer


def _encode(document: dict[str, Any], signer: Signer, settings: Settings) -> str:
    # The kid is the key's URL, which returns its JWK (OB 3.0 §8.2).
    return vc_jwt.encode(document, signer, kid=key_url(settings, signer.kid))


def issue_ob3(
    session: Session,
    settings: Settings,
    keystore: KeyStore,
    learner_id: int,
    entry_id: int,
    *,
    alg: str | None = None,
    now: datetime | None = None,
    actor: str = "admin",
) -> Credential:
    """Sign an OB 3.0 AchievementCredential JWT for one deposit (``format="ob3+jwt"``)."""
    signer = _ob_signer(keystore, alg)
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
    return issuing.store(
        session, fmt="ob3+jwt", token=_encode(document, signer, settings), actor=actor
    )


def issue_clr(
    session: Session,
    settings: Settings,
    keystore: KeyStore,
    learner_id: int,
    *,
    alg: str | None = None,
    now: datetime | None = None,
    actor: str = "admin",
) -> Credential:
    """Sign a CLR 2.0 transcript of every standing deposit (``format="clr+jwt"``).

    Each achievement is also enveloped as its own OB 3.0 JWT, sharing the transcript's
    status slot: revoking the transcript revokes what it carries.
    """
    signer = _ob_signer(keystore, alg)
    issuing = prepare(session, settings, learner_id, None, now)
    enveloped = [
        _encode(
            achievement_credential(
                settings,
                issuing.who,
                fact,
                jti=str(uuid.uuid4()),
                status_url=issuing.status_url,
                status_index=issuing.status_index,
                **issuing.moment.dates,
            ),
            signer,
            settings,
        )
        for fact in issuing.facts
    ]
    document = clr_credential(
        settings,
        issuing.who,
        issuing.facts,
        enveloped,
        jti=issuing.jti,
        status_url=issuing.status_url,
        status_index=issuing.status_index,
        **issuing.moment.dates,
    )
    return issuing.store(
        session, fmt="clr+jwt", token=_encode(document, signer, settings), actor=actor
    )


def checked_holder_jwk(holder_jwk: dict[str, Any]) -> dict[str, Any]:
    """The public P-256 members of ``holder_jwk``; :class:`InvalidHolderKey` otherwise."""
    if not isinstance(holder_jwk, dict) or "d" in holder_jwk:
        raise InvalidHolderKey("holder_jwk must be a public JWK (never send the private key)")
    if holder_jwk.get("kty") != "EC" or holder_jwk.get("crv") != "P-256":
        raise InvalidHolderKey("holder_jwk must be an EC P-256 key")
    public = holder_public_jwk(holder_jwk)
    try:
        load_public_jwk({**public, "alg": "ES256"})
    except InvalidKey as exc:
        raise InvalidHolderKey(f"holder_jwk is not a valid P-256 key: {exc}") from None
    return public


def issue_sd_jwt(
    session: Session,
    settings: Settings,
    keystore: KeyStore,
    learner_id: int,
    entry_ids: list[int],
    holder_jwk: dict[str, Any],
    *,
    now: datetime | None = None,
    actor: str = "admin",
) -> Credential:
    """Sign an SD-JWT VC bound to ``holder_jwk`` (``format="dc+sd-jwt"``).

    The stored token is the issued form: the issuer JWT and every disclosure, ending
    in ``~``. The holder picks disclosures and adds a KB-JWT when presenting.
    """
    public = checked_holder_jwk(holder_jwk)
    issuing = prepare(session, settings, learner_id, entry_ids, now)
    claims = sd_jwt_claims(
        settings,
        issuing.who,
        issuing.facts,
        public,
        jti=issuing.jti,
        status_url=issuing.status_url,
        status_index=issuing.status_index,
        nbf=issuing.moment.nbf,
        exp=issuing.moment.exp,
    )
    return issuing.store(
        session, fmt="dc+sd-jwt", token=sd_jwt.issue(claims, keystore.signer()), actor=actor
    )
