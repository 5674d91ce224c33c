"""Open Badges 3.0 / CLR 2.0 with Data Integrity proofs: issuing, the keys, the 1-bit lists.

``POST /learners/{id}/credentials/ob3-ldp`` and ``…/clr-ldp`` issue the Data Integrity
forms (``ob3+ldp``, ``clr+ldp``); ``GET /status-lists/{id}/revocation`` and
``…/suspension`` are the 1-bit lists the credentials' status entries point to
(docs/formats.md). The Multikey document a proof's ``verificationMethod`` names, and the
issuer as its controller, are served by :mod:`issuer.api.discovery`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from issuer.api import idempotency
from issuer.api.credential_issuing import issue_once
from issuer.api.deps import EngineDep, KeyStoreDep, SessionDep, SettingsDep
from issuer.api.principals import AdminOrSelfDep
from issuer.api.published import respond
from issuer.credentials import status_publication, vc_ldp_issuance
from issuer.models import Credential
from issuer.models.input import RequestModel, RowId

router = APIRouter(tags=["data-integrity"])

#: Media type of a credential secured with an embedded proof (VC Data Model 2.0).
VC_LD_JSON = "application/vc+ld+json"
_LD_JSON = "application/ld+json"


class OB3LdpIssue(RequestModel):
    entry_id: RowId = Field(description="The ledger deposit the badge is for.")


class DataIntegrityIssued(BaseModel):
    jti: str
    format: Literal["ob3+ldp", "clr+ldp"]
    credential: dict[str, Any] = Field(
        description="The credential with its eddsa-rdfc-2022 DataIntegrityProof."
    )
    status_list: str
    status_index: int
    issued_at: datetime
    expires_at: datetime | None


def _issued(credential: Credential) -> DataIntegrityIssued:
    return DataIntegrityIssued(
        jti=credential.jti,
        format=credential.format,  # type: ignore[arg-type]
        credential=json.loads(credential.token),
        status_list=credential.status_list_id,
        status_index=credential.status_index,
        issued_at=credential.issued_at,
        expires_at=credential.expires_at,
    )


@router.post("/learners/{learner_id}/credentials/ob3-ldp", status_code=status.HTTP_201_CREATED)
def issue_ob3_ldp(
    learner_id: RowId,
    data: OB3LdpIssue,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    principal: AdminOrSelfDep,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> DataIntegrityIssued:
    """Issue an Open Badges 3.0 AchievementCredential with a Data Integrity proof.

    The same document as the JWT form, secured with ``eddsa-rdfc-2022`` by the Ed25519
    proof key, with 1-bit ``revocation`` and ``suspension`` status entries. Admin or the
    learner. Supports ``Idempotency-Key``.
    """
    return issue_once(
        request,
        session,
        actor=principal.actor,
        key=idempotency_key,
        body=data,
        model=DataIntegrityIssued,
        present=_issued,
        issue=lambda: vc_ldp_issuance.issue_ob3_ldp(
            session, settings, keystore, learner_id, data.entry_id, actor=principal.actor
        ),
    )


@router.post("/learners/{learner_id}/credentials/clr-ldp", status_code=status.HTTP_201_CREATED)
def issue_clr_ldp(
    learner_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
    principal: AdminOrSelfDep,
    idempotency_key: idempotency.IdempotencyKeyDep = None,
) -> DataIntegrityIssued:
    """Issue a CLR 2.0 transcript with a Data Integrity proof, each badge embedded and secured.

    ``not_recognised`` (422) when the account has no deposits yet. Admin or the learner.
    Supports ``Idempotency-Key``.
    """
    return issue_once(
        request,
        session,
        actor=principal.actor,
        key=idempotency_key,
        body=None,
        model=DataIntegrityIssued,
        present=_issued,
        issue=lambda: vc_ldp_issuance.issue_clr_ldp(
            session, settings, keystore, learner_id, actor=principal.actor
        ),
    )


@router.get(
    "/status-lists/{list_id}/{purpose}",
    response_class=Response,
    responses={200: {"content": {VC_LD_JSON: {}}}},
)
def purpose_status_list(
    list_id: str,
    purpose: Literal["revocation", "suspension"],
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
) -> Response:
    """The 1-bit ``revocation`` or ``suspension`` BitstringStatusListCredential of ``list_id``."""
    published = status_publication.published_list(engine, settings, keystore, list_id, purpose)
    lifetime = timedelta(hours=settings.trust_bundle_validity_hours)
    return respond(request, published, lifetime)
