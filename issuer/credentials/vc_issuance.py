"""Issuing Open Badges 3.0, CLR 2.0 and SD-JWT VC credentials from a learner's deposits.

Each function reads the deposits, takes a status-list slot (:func:`status_slots.allocate`,
safe under concurrent issuers), signs with the key store and stores a
:class:`~issuer.models.Credential` row (the caller commits). The documents themselves
are built in :mod:`issuer.credentials.vc_documents`; the wire formats live in ``verifier/formats``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from issuer.bank import standing
from issuer.bank.accounts import lock_learner
from issuer.core.errors import InvalidHolderKey, NotRecognised
from issuer.core.settings import Settings
from issuer.credentials import issuance, status_slots
from issuer.credentials.discovery import key_url
from issuer.credentials.vc_documents import (
    EntryFacts,
    Learnerish,
    achievement_credential,
    clr_credential,
    issuer_uri,
    sd_jwt_claims,
)
from issuer.models import (
    Credential,
    Learner,
    LedgerEntry,
    utcnow,
)
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


def status_list_url(settings: Settings, list_id: str, *, bitstring: bool = False) -> str:
    """URL of a status list: the token form, or the Bitstring credential form."""
    url = f"{issuer_uri(settings)}/status-lists/{list_id}"
    return url + "/bitstring" if bitstring else url


def _learnerish(learner: Learner) -> Learnerish:
    return Learnerish(learner.name, learner.national_id_hmac, learner.national_id_masked)


def _facts_of(session: Session, entry: LedgerEntry, half_credits: int) -> EntryFacts:
    assert entry.id is not None
    achievement, institution = issuance.achievement_of(session, entry)
    assert achievement.id is not None
    return EntryFacts(
        entry_id=entry.id,
        entry_hash=entry.hash,
        achievement_id=achievement.id,
        title=achievement.title,
        kind=achievement.kind,
        domain=entry.domain,
        half_credits=half_credits,
        hours=achievement.hours,
        grade=achievement.grade,
        standard=entry.standard,
        rule=entry.rule,
        completed_on=achievement.completed_on,
        institution_code=institution.code,
        institution_name_zh=institution.name_zh,
    )


def entry_facts(session: Session, learner_id: int, entry_ids: list[int] | None) -> list[EntryFacts]:
    """Facts of the given deposits (in order), or of every standing deposit when ``None``.

    Another learner's or a missing entry is :class:`NotFound`; an entry that is not a
    deposit of an achievement is :class:`NotRecognised`; credits transferred, redeemed or
    reversed are refused (:func:`issuer.credentials.issuance.issuable_deposits`). Each fact carries
    the credits its deposit still holds.
    """
    if entry_ids is None:
        entry_ids = [d.id for d in standing.standing_deposits(session, learner_id) if d.id]
        if not entry_ids:
            raise NotRecognised(f"learner {learner_id} has no recognised achievements yet")
    deposits = issuance.issuable_deposits(session, learner_id, entry_ids)
    return [_facts_of(session, entry, half) for entry, half in deposits]


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


class _Moment:
    """Issue time, expiry and their wire forms for one credential."""

    def __init__(self, settings: Settings, now: datetime | None) -> None:
        self.issued_at = (now or utcnow()).replace(microsecond=0)
        days = settings.credential_validity_days
        self.expires_at = None if days is None else self.issued_at + timedelta(days=days)
        self.nbf = int(self.issued_at.timestamp())
        self.exp = None if self.expires_at is None else int(self.expires_at.timestamp())
        self.valid_from = vc_jwt.iso(self.nbf)
        self.valid_until = None if self.exp is None else vc_jwt.iso(self.exp)


def _store(
    session: Session,
    *,
    jti: str,
    fmt: Any,
    learner_id: int,
    token: str,
    slot: tuple[str, int],
    moment: _Moment,
    entry_ids: list[int],
    actor: str,
) -> Credential:
    credential = Credential(
        jti=jti,
        format=fmt,
        learner_id=learner_id,
        token=token,
        status_list_id=slot[0],
        status_index=slot[1],
        status="active",
        issued_at=moment.issued_at,
        expires_at=moment.expires_at,
    )
    issuance.store_credential(session, credential, entry_ids, actor=actor)
    return credential


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
    learner = lock_learner(session, learner_id)
    assert learner.id is not None
    (fact,) = entry_facts(session, learner.id, [entry_id])
    signer = _ob_signer(keystore, alg)
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
    )
    token = _encode(document, signer, settings)
    return _store(
        session,
        jti=jti,
        fmt="ob3+jwt",
        learner_id=learner.id,
        token=token,
        slot=slot,
        moment=moment,
        actor=actor,
        entry_ids=[entry_id],
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
    learner = lock_learner(session, learner_id)
    assert learner.id is not None
    facts = entry_facts(session, learner.id, None)
    signer = _ob_signer(keystore, alg)
    moment = _Moment(settings, now)
    slot = status_slots.allocate(session, settings)
    status_url = status_list_url(settings, slot[0], bitstring=True)
    who = _learnerish(learner)
    enveloped = [
        _encode(
            achievement_credential(
                settings,
                who,
                fact,
                jti=str(uuid.uuid4()),
                status_url=status_url,
                status_index=slot[1],
                valid_from=moment.valid_from,
                valid_until=moment.valid_until,
            ),
            signer,
            settings,
        )
        for fact in facts
    ]
    jti = str(uuid.uuid4())
    document = clr_credential(
        settings,
        who,
        facts,
        enveloped,
        jti=jti,
        status_url=status_url,
        status_index=slot[1],
        valid_from=moment.valid_from,
        valid_until=moment.valid_until,
    )
    return _store(
        session,
        jti=jti,
        fmt="clr+jwt",
        learner_id=learner.id,
        token=_encode(document, signer, settings),
        slot=slot,
        moment=moment,
        actor=actor,
        entry_ids=[f.entry_id for f in facts],
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
    learner = lock_learner(session, learner_id)
    assert learner.id is not None
    public = checked_holder_jwk(holder_jwk)
    facts = entry_facts(session, learner.id, entry_ids)
    moment = _Moment(settings, now)
    slot = status_slots.allocate(session, settings)
    jti = str(uuid.uuid4())
    claims = sd_jwt_claims(
        settings,
        _learnerish(learner),
        facts,
        public,
        jti=jti,
        status_url=status_list_url(settings, slot[0]),
        status_index=slot[1],
        nbf=moment.nbf,
        exp=moment.exp,
    )
    return _store(
        session,
        jti=jti,
        fmt="dc+sd-jwt",
        learner_id=learner.id,
        token=sd_jwt.issue(claims, keystore.signer()),
        slot=slot,
        moment=moment,
        actor=actor,
        entry_ids=entry_ids,
    )
