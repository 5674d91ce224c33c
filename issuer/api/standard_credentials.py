"""Issuing Open Badges 3.0, CLR 2.0 and SD-JWT VC credentials over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from issuer.api import idempotency
from issuer.api.credential_issuing import issue_once
from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.api.principals import AdminOrSelfDep
from issuer.credentials import vc_issuance
from issuer.models import Credential
from issuer.models.input import RequestModel, RowId

router = APIRouter(tags=["standard-credentials"])


class OB3Issue(RequestModel):
    entry_id: RowId = Field(description="The ledger deposit the badge is for.")
    alg: Literal["ES256", "RS256"] | None = Field(
        default=None,
        description="Signing algorithm; default RS256, the badge key's (ES256: the signing key).",
    )


class CLRIssue(RequestModel):
    alg: Literal["ES256", "RS256"] | None = Field(
        default=None,
        description="Signing algorithm; default RS256, the badge key's (ES256: the signing key).",
    )


class SDJWTIssue(RequestModel):
    entry_ids: list[RowId] = Field(min_length=1, max_length=20)
    holder_jwk: dict[str, Any] = Field(description="The holder's public EC P-256 JWK (cnf.jwk).")


class StandardCredentialIssued(BaseModel):
    jti: str
    format: Literal["ob3+jwt", "clr+jwt", "dc+sd-jwt"]
    token: str = Field(description="The JWT, or the issued SD-JWT (all disclosures, ~-ended).")
    status_list: str
    status_index: int
    issued_at: datetime
    expires_at: datetime | None


def _issued(credential: Credential) -> StandardCredentialIssued:
    return StandardCredentialIssued(
        jti=credential.jti,
        format=credential.format,  # type: ignore[arg-type]
        token=credential.token,
        status_list=credential.status_list_id,
        status_index=credential.status_index,
        issued_at=credential.issued_at,
        expires_at=credential.expires_at,
    )


@router.post("/learners/{learner_id}/credentials/ob3", status_code=status.HTTP_201_CREATED)
def issue_ob3(
    learner_id: RowId,
    data: OB3Issue,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    principal: AdminOrSelfDep,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> StandardCredentialIssued:
    """Issue an Open Badges 3.0 AchievementCredential JWT for one deposit.

    Signed with the active signing key. ``alg`` RS256 (or ES256) must match that key:
    only one signing key is active, so asking for another algorithm gives
    ``unsupported_alg`` (422) — rotate to an RS256 key to issue RS256 badges.
    Admin or the learner. Supports ``Idempotency-Key``.
    """
    return issue_once(
        request,
        session,
        actor=principal.actor,
        key=idempotency_key,
        body=data,
        model=StandardCredentialIssued,
        present=_issued,
        issue=lambda: vc_issuance.issue_ob3(
            session,
            settings,
            keystore,
            learner_id,
            data.entry_id,
            alg=data.alg,
            actor=principal.actor,
        ),
    )


@router.post("/learners/{learner_id}/credentials/clr", status_code=status.HTTP_201_CREATED)
def issue_clr(
    learner_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    principal: AdminOrSelfDep,
    data: CLRIssue | None = None,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> StandardCredentialIssued:
    """Issue a CLR 2.0 ClrCredential JWT: the transcript of every standing deposit.

    ``not_recognised`` (422) when the account has no deposits yet. Admin or the learner.
    Supports ``Idempotency-Key``.
    """
    body = data or CLRIssue()
    return issue_once(
        request,
        session,
        actor=principal.actor,
        key=idempotency_key,
        body=body,
        model=StandardCredentialIssued,
        present=_issued,
        issue=lambda: vc_issuance.issue_clr(
            session, settings, keystore, learner_id, alg=body.alg, actor=principal.actor
        ),
    )


@router.post("/learners/{learner_id}/credentials/sd-jwt", status_code=status.HTTP_201_CREATED)
def issue_sd_jwt(
    learner_id: RowId,
    data: SDJWTIssue,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    principal: AdminOrSelfDep,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> StandardCredentialIssued:
    """Issue an SD-JWT VC (``dc+sd-jwt``) over some deposits, bound to ``holder_jwk``.

    A private or non-P-256 ``holder_jwk`` is ``invalid_holder_key`` (422). The token
    holds every disclosure; the holder chooses what to present. Admin or the learner.
    Supports ``Idempotency-Key``.
    """
    return issue_once(
        request,
        session,
        actor=principal.actor,
        key=idempotency_key,
        body=data,
        model=StandardCredentialIssued,
        present=_issued,
        issue=lambda: vc_issuance.issue_sd_jwt(
            session,
            settings,
            keystore,
            learner_id,
            data.entry_ids,
            data.holder_jwk,
            actor=principal.actor,
        ),
    )
