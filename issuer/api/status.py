"""Credential status changes (admin, committee) and the published status lists (public)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.api.principals import AdminOrCommitteeDep
from issuer.credentials import status_changes, status_publication
from issuer.models.input import RequestModel

router = APIRouter(tags=["status"])

_CONTEXT_FILE = (
    Path(__file__).resolve().parent.parent / "credentials" / "contexts" / "creditbank-v1.jsonld"
)


class StatusChange(RequestModel):
    status: Literal["active", "revoked", "suspended"]
    reason: str = Field(min_length=1, max_length=500)


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
    final: changing a revoked credential is ``credential_revoked`` (409). Admin or a
    committee member; recorded in the audit trail with the reason.
    """
    credential = status_changes.set_status(
        session, jti, data.status, reason=data.reason, actor=principal.actor
    )
    return CredentialStatusPublic(
        jti=credential.jti,
        status=credential.status,
        status_list=credential.status_list_id,
        status_index=credential.status_index,
    )


@router.get(
    "/status-lists/{list_id}",
    response_class=Response,
    responses={200: {"content": {"application/statuslist+jwt": {}}}},
)
def status_list_token(
    list_id: str, session: SessionDep, settings: SettingsDep, keystore: KeyStoreDep
) -> Response:
    """The IETF Token Status List of ``list_id`` (``statuslist+jwt``, 2 bits, ZLIB)."""
    token = status_publication.status_list_token(session, settings, keystore, list_id)
    return Response(token, media_type="application/statuslist+jwt", headers=_cache())


@router.get(
    "/status-lists/{list_id}/bitstring",
    response_class=Response,
    responses={200: {"content": {"application/vc+jwt": {}}}},
)
def bitstring_status_list(
    list_id: str, session: SessionDep, settings: SettingsDep, keystore: KeyStoreDep
) -> Response:
    """The W3C BitstringStatusListCredential of ``list_id`` as a VC JWT (GZIP, multibase)."""
    token = status_publication.bitstring_credential(session, settings, keystore, list_id)
    return Response(token, media_type="application/vc+jwt", headers=_cache())


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


def _cache() -> dict[str, str]:
    return {"Cache-Control": f"public, max-age={status_publication.TTL_SECONDS}"}
