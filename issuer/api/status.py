"""Credential status changes (admin, committee) and the published status lists (public)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from issuer.api.deps import EngineDep, KeyStoreDep, SessionDep, SettingsDep
from issuer.api.principals import AdminOrCommitteeDep
from issuer.api.published import respond
from issuer.committee import status_governance
from issuer.credentials import status_publication
from issuer.models import StatusChangePublic, StatusHistoryPublic
from issuer.models.input import RequestModel, RowId
from verifier.formats import jsonld_contexts

router = APIRouter(tags=["status"])

_CONTEXT_FILE = jsonld_contexts.CREDITBANK_CONTEXT_FILE


class StatusChange(RequestModel):
    status: Literal["active", "revoked", "suspended"]
    reason: str = Field(min_length=1, max_length=500)
    case_id: RowId | None = Field(
        default=None,
        description="The committee case that requires the change; committee members must "
        "give it, the operator may.",
    )


class CredentialStatusPublic(BaseModel):
    jti: str
    status: Literal["active", "revoked", "suspended"]
    status_list: str
    status_index: int


@router.post("/credentials/{jti}/status")
def set_credential_status(
    jti: str,
    data: StatusChange,
    session: SessionDep,
    principal: AdminOrCommitteeDep,
) -> CredentialStatusPublic:
    """Revoke, suspend or reinstate (``active``) a credential of any format.

    Visible in the status lists at once and in the next trust bundle. Revocation is
    final: changing a revoked credential is ``credential_revoked`` (409). The operator
    changes any status with a reason. A committee member only through a committee case
    of their panel that concerns one of the credential's deposits (``case_required``,
    ``not_on_panel``, ``case_unrelated``); revoking or reinstating also needs the case's
    decision, one that calls for the change (``case_not_decided``, ``decision_mismatch``).
    Recorded with who, why and which case (``GET /credentials/{jti}/status``).
    """
    credential = status_governance.change_status(
        session,
        jti,
        data.status,
        reason=data.reason,
        actor=principal.actor,
        member=principal.member,
        case_id=data.case_id,
    )
    return CredentialStatusPublic(
        jti=credential.jti,
        status=credential.status,
        status_list=credential.status_list_id,
        status_index=credential.status_index,
    )


@router.get("/credentials/{jti}/status")
def credential_status_history(
    jti: str, session: SessionDep, principal: AdminOrCommitteeDep
) -> StatusHistoryPublic:
    """A credential's status and every change of it: who, why, which committee case."""
    credential, changes = status_governance.history(session, jti)
    return StatusHistoryPublic(
        jti=credential.jti,
        status=credential.status,
        status_list=credential.status_list_id,
        status_index=credential.status_index,
        history=[StatusChangePublic.model_validate(c, from_attributes=True) for c in changes],
    )


@router.get(
    "/status-lists/{list_id}",
    response_class=Response,
    responses={200: {"content": {"application/statuslist+jwt": {}}}},
)
def status_list_token(
    list_id: str, request: Request, engine: EngineDep, settings: SettingsDep, keystore: KeyStoreDep
) -> Response:
    """The IETF Token Status List of ``list_id`` (``statuslist+jwt``, 2 bits, ZLIB), published."""
    published = status_publication.published_list(engine, settings, keystore, list_id, "token")
    return respond(request, published, _lifetime(settings))


@router.get(
    "/status-lists/{list_id}/bitstring",
    response_class=Response,
    responses={200: {"content": {"application/vc+jwt": {}}}},
)
def bitstring_status_list(
    list_id: str, request: Request, engine: EngineDep, settings: SettingsDep, keystore: KeyStoreDep
) -> Response:
    """The W3C BitstringStatusListCredential of ``list_id`` as a VC JWT (GZIP, multibase)."""
    published = status_publication.published_list(engine, settings, keystore, list_id, "bitstring")
    return respond(request, published, _lifetime(settings))


@router.get(
    "/contexts/creditbank-v1.jsonld",
    response_class=Response,
    responses={200: {"content": {"application/ld+json": {}}}},
)
def creditbank_context() -> Response:
    """Our JSON-LD context: the terms OB 3.0 / CLR 2.0 credentials use beyond the standards."""
    return Response(
        _CONTEXT_FILE.read_bytes(),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def _lifetime(settings: SettingsDep) -> timedelta:
    """A published list's lifetime: its ``exp`` is this long after it was built."""
    return timedelta(hours=settings.trust_bundle_validity_hours)
