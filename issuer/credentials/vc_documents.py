"""The JSON of Open Badges 3.0, CLR 2.0 and SD-JWT VC credentials, built from deposits.

Pure functions: :mod:`issuer.credentials.vc_issuance` reads the rows, allocates the status
slot, signs and stores. Every term used here is defined by the VC 2.0, OB 3.0.3 and
CLR 2.0.1 contexts or by our own context (verifier/formats/contexts/creditbank-v1.jsonld);
tests/issuer/test_standard_credentials_jsonld.py expands each document to prove it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from issuer.core.settings import Settings
from issuer.credentials import type_metadata
from issuer.credentials.discovery import profile_url
from verifier.formats import bitstring_status, vc_jwt
from verifier.formats.sd_jwt import Disclosable
from verifier.formats.vocabulary import OB_ACHIEVEMENT_TYPES

__all__ = [
    "CREDITBANK_TERMS",
    "EntryFacts",
    "Learnerish",
    "achievement_credential",
    "clr_credential",
    "issuer_uri",
    "sd_jwt_claims",
]

#: IRI prefix of the terms of our own context.
CREDITBANK_TERMS = "urn:creditbank:vocab:"

_DOMAINS = {
    "GE": "General education 通识",
    "AM": "Advanced manufacturing 先进制造",
    "AI": "Artificial intelligence 人工智能",
    "AG": "Modern agriculture 现代农业",
}


@dataclass(frozen=True)
class EntryFacts:
    """What one credential says about one deposit (a recognised achievement)."""

    entry_id: int
    entry_hash: str
    achievement_id: int
    title: str
    kind: str
    domain: str
    half_credits: int
    hours: int | None
    grade: str | None
    standard: str
    rule: str
    completed_on: date
    institution_code: str
    institution_name_zh: str


@dataclass(frozen=True)
class Learnerish:
    """The learner facts a credential may carry (never the national ID itself)."""

    name: str
    national_id_hmac: str
    national_id_masked: str


def issuer_uri(settings: Settings) -> str:
    """The issuer's URL: ``iss`` of every JWT and the base of the status-list URLs."""
    return settings.verify_base_url.rstrip("/")


def _credits(half: int) -> int | float:
    # JSON numbers only on the wire; storage stays in integer half-credits.
    return half // 2 if half % 2 == 0 else half / 2


def _issuer_profile(settings: Settings) -> dict[str, Any]:
    # The id dereferences to the full Profile (issuer/credentials/discovery.py).
    return {
        "id": profile_url(settings),
        "type": ["Profile"],
        "name": settings.issuer_name_zh,
        "description": settings.issuer_name_en,
        "otherIdentifier": [
            {
                "type": "IdentifierEntry",
                "identifier": settings.issuer_id,
                "identifierType": "identifier",
            }
        ],
    }


def _subject_id(learner: Learnerish) -> str:
    # A stable pseudonym: a hash of the keyed national-ID HMAC, so it cannot be
    # reversed to the ID without the issuer's key, yet links a learner's credentials.
    digest = hashlib.sha256(f"subject:{learner.national_id_hmac}".encode()).hexdigest()
    return f"urn:creditbank:learner:{digest[:32]}"


def _identity(learner: Learnerish) -> list[dict[str, Any]]:
    salt = secrets.token_hex(16)
    hashed = hashlib.sha256((learner.national_id_hmac + salt).encode()).hexdigest()
    return [
        {
            "type": "IdentityObject",
            "identityHash": f"sha256${hashed}",
            "identityType": "ext:NationalIdHmac",
            "hashed": True,
            "salt": salt,
        },
        {
            "type": "IdentityObject",
            "identityHash": learner.name,
            "identityType": "name",
            "hashed": False,
        },
    ]


def _achievement(settings: Settings, fact: EntryFacts) -> dict[str, Any]:
    base = issuer_uri(settings)
    standard_id, _, version = fact.standard.partition("@")
    hours = f"{fact.hours} h, " if fact.hours else ""
    return {
        "id": f"{base}/achievements/{fact.achievement_id}",
        "type": ["Achievement"],
        "achievementType": OB_ACHIEVEMENT_TYPES.get(fact.kind, f"ext:{fact.kind}"),
        "name": fact.title,
        "description": f"{fact.title} ({fact.kind}, {_DOMAINS.get(fact.domain, fact.domain)})",
        "criteria": {
            "narrative": (
                f"Completed at {fact.institution_name_zh} ({hours}{fact.completed_on}); "
                f"recognised under conversion standard {fact.standard}, rule {fact.rule}."
            )
        },
        "creditsAvailable": _credits(fact.half_credits),
        "fieldOfStudy": _DOMAINS.get(fact.domain, fact.domain),
        "creator": {
            "id": f"{base}/institutions/{fact.institution_code}",
            "type": ["Profile"],
            "name": fact.institution_name_zh,
        },
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": fact.standard,
                "targetUrl": f"{base}/standards/{standard_id}/{version or '1'}",
                "targetCode": fact.rule,
                "targetFramework": "creditbank conversion standards",
                "targetType": "ext:ConversionStandard",
            }
        ],
    }


def _contexts(settings: Settings, clr: bool = False) -> list[str]:
    own = issuer_uri(settings) + vc_jwt.CREDITBANK_CONTEXT_PATH
    middle = [vc_jwt.CLR_CONTEXT] if clr else []
    return [vc_jwt.VC_CONTEXT, *middle, vc_jwt.OB_CONTEXT, own]


def _dates(valid_from: str, valid_until: str | None) -> dict[str, str]:
    return {"validFrom": valid_from} | ({"validUntil": valid_until} if valid_until else {})


def achievement_credential(
    settings: Settings,
    learner: Learnerish,
    fact: EntryFacts,
    *,
    jti: str,
    status_url: str,
    status_index: int,
    valid_from: str,
    valid_until: str | None,
) -> dict[str, Any]:
    """The OB 3.0 AchievementCredential of one deposit.

    Its status is a 1-bit ``revocation`` and a 1-bit ``suspension`` entry at index
    ``status_index`` of the lists below ``status_url`` (``…/status-lists/{id}``).
    """
    return {
        "@context": _contexts(settings),
        "id": f"urn:uuid:{jti}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer_profile(settings),
        **_dates(valid_from, valid_until),
        "name": fact.title,
        "credentialSubject": {
            "id": _subject_id(learner),
            "type": ["AchievementSubject"],
            "identifier": _identity(learner),
            "achievement": _achievement(settings, fact),
            "creditsEarned": _credits(fact.half_credits),
            "activityEndDate": f"{fact.completed_on.isoformat()}T00:00:00Z",
            **({"result": [{"type": ["Result"], "value": fact.grade}]} if fact.grade else {}),
            "ledgerEntry": {
                "id": f"urn:creditbank:ledger-entry:{fact.entry_hash}",
                "conversionStandard": fact.standard,
                **({"studyHours": fact.hours} if fact.hours is not None else {}),
            },
        },
        "credentialStatus": bitstring_status.purpose_entries(status_url, status_index),
    }


def clr_credential(
    settings: Settings,
    learner: Learnerish,
    facts: list[EntryFacts],
    enveloped: list[str],
    *,
    jti: str,
    status_url: str,
    status_index: int,
    valid_from: str,
    valid_until: str | None,
    embedded: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The CLR 2.0 ClrCredential transcript: the deposits' OB JWTs, enveloped.

    The Data Integrity form passes its secured OB credentials as ``embedded`` (and no
    ``enveloped``). Status entries as in :func:`achievement_credential`.
    """
    total = sum(f.half_credits for f in facts)
    return {
        "@context": _contexts(settings, clr=True),
        "id": f"urn:uuid:{jti}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": _issuer_profile(settings),
        **_dates(valid_from, valid_until),
        "name": f"学分银行成绩单 Credit bank transcript: {learner.name}",
        "description": f"{_credits(total)} credits in {len(facts)} recognised achievements",
        "partial": False,
        "credentialSubject": {
            "id": _subject_id(learner),
            "type": ["ClrSubject"],
            "identifier": _identity(learner),
            "achievement": [_achievement(settings, f) for f in facts],
            # VCDM 2.0 §4.13: an enveloped credential object carries its own @context.
            "verifiableCredential": [
                {
                    "@context": vc_jwt.VC_CONTEXT,
                    "id": vc_jwt.ENVELOPED_PREFIX + token,
                    "type": "EnvelopedVerifiableCredential",
                }
                for token in enveloped
            ]
            + (embedded or []),
        },
        "credentialStatus": bitstring_status.purpose_entries(status_url, status_index),
    }


def sd_jwt_claims(
    settings: Settings,
    learner: Learnerish,
    facts: list[EntryFacts],
    holder_jwk: dict[str, Any],
    *,
    jti: str,
    status_url: str,
    status_index: int,
    nbf: int,
    exp: int | None,
) -> dict[str, Any]:
    """The SD-JWT VC claims with :class:`Disclosable` markers (docs/formats.md, SD-JWT VC)."""

    def entry(fact: EntryFacts) -> Disclosable:
        item: dict[str, Any] = {
            "title": fact.title,
            "domain": fact.domain,
            "kind": fact.kind,
            "credits": _credits(fact.half_credits),
            "standard": fact.standard,
            "institution": Disclosable(fact.institution_code),
            "date": Disclosable(fact.completed_on.isoformat()),
        }
        if fact.hours is not None:
            item["hours"] = Disclosable(fact.hours)
        if fact.grade is not None:
            item["grade"] = Disclosable(fact.grade)
        return Disclosable(item)

    claims: dict[str, Any] = {
        "iss": issuer_uri(settings),
        "jti": jti,
        "nbf": nbf,
        "iat": nbf,
        "vct": type_metadata.vct(settings),
        "vct#integrity": type_metadata.vct_integrity(settings),
        "cnf": {"jwk": holder_jwk},
        "status": {"status_list": {"idx": status_index, "uri": status_url}},
        "name": Disclosable(learner.name),
        "masked_id": Disclosable(learner.national_id_masked),
        "credits": Disclosable(_credits(sum(f.half_credits for f in facts))),
        "entries": [entry(f) for f in facts],
    }
    if exp is not None:
        claims["exp"] = exp
    return claims
