"""Each university's own transfer policy: saved as versions, read back as the CLI reads it.

A save validates the policy twice: as ``creditbank-verify transfer`` would
(:func:`verifier.transfer.parse_policy`: unknown keys, wrong types, impossible values →
``invalid_request`` naming the key) and for contradictions the file format allows but
no university means (``contradictory_policy``): a domain limit above the total limit,
or a limit on a domain the policy does not accept. It then stores the TOML text
(written by ``tomli-w``) as the next version; the current version is the highest.
Without a saved version the check uses :func:`default_policy`.
"""

from __future__ import annotations

import tomllib
from typing import Any

import tomli_w
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from issuer.core import audit
from issuer.core.errors import Conflict, ContradictoryPolicy, InvalidRequest
from issuer.core.settings import Settings
from issuer.models import Institution, TransferPolicyVersion, utcnow
from verifier import VerificationError
from verifier.transfer import TransferPolicy, parse_policy

__all__ = ["current", "current_toml", "default_policy", "policy_of", "save", "to_policy"]


def default_policy(settings: Settings, institution: Institution) -> TransferPolicy:
    """The policy of a university that saved none: this bank's credentials, no limits."""
    return TransferPolicy(
        name=f"{institution.name_zh} / {institution.name_en}: default",
        issuers=frozenset({settings.issuer_id}),
    )


def to_policy(text: str) -> TransferPolicy:
    """The policy of a stored TOML text (``invalid_request`` when it does not parse)."""
    try:
        return parse_policy(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, VerificationError) as exc:
        raise InvalidRequest(f"the policy is not valid: {exc}") from None


def _contradictions(policy: TransferPolicy) -> None:
    total = policy.max_total_half_credits
    for domain, half in sorted(policy.max_domain_half_credits.items()):
        if total is not None and half > total:
            raise ContradictoryPolicy(
                f"the limit of domain {domain} ({half / 2:g}) is above the total limit "
                f"({total / 2:g})"
            )
        if policy.domains is not None and domain not in policy.domains:
            raise ContradictoryPolicy(f"domain {domain} has a limit but is not accepted")


def current(session: Session, institution_id: int) -> TransferPolicyVersion | None:
    """The institution's current (highest) policy version, if it saved one."""
    return session.exec(
        select(TransferPolicyVersion)
        .where(col(TransferPolicyVersion.institution_id) == institution_id)
        .order_by(col(TransferPolicyVersion.version).desc())
    ).first()


def current_toml(session: Session, settings: Settings, institution: Institution) -> tuple[int, str]:
    """The current version number and TOML text (version 0: the default, never saved)."""
    assert institution.id is not None
    row = current(session, institution.id)
    if row is not None:
        return row.version, row.toml
    policy = default_policy(settings, institution)
    return 0, tomli_w.dumps({"version": 1, "name": policy.name, "issuers": sorted(policy.issuers)})


def policy_of(session: Session, settings: Settings, institution: Institution) -> TransferPolicy:
    """The policy the institution's check uses: its current version, else the default."""
    assert institution.id is not None
    row = current(session, institution.id)
    return default_policy(settings, institution) if row is None else to_policy(row.toml)


def save(
    session: Session, institution: Institution, document: dict[str, Any], *, actor: str
) -> TransferPolicyVersion:
    """Validate ``document`` (the TOML's keys) and store it as the next version."""
    text = tomli_w.dumps(document)
    _contradictions(to_policy(text))
    assert institution.id is not None
    before = current(session, institution.id)
    row = TransferPolicyVersion(
        institution_id=institution.id,
        version=1 if before is None else before.version + 1,
        toml=text,
        created_at=utcnow(),
        created_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise Conflict("another version of the policy was saved at the same time") from exc
    audit.record(
        session,
        actor=actor,
        action="transfer_policy.saved",
        subject=f"institution:{institution.code}",
        payload={"version": row.version, "policy": document},
        summary=f"transfer policy version {row.version} of {institution.code} saved",
    )
    return row
