"""OpenID4VCI 1.0, pre-authorized code flow: metadata, offers, token, nonce, credential.

The token, nonce and credential endpoints answer errors in the OAuth JSON format the
specification requires (``{"error", "error_description"}``, RFC 6749 §5.2, OpenID4VCI
1.0 §8.3.1), not problem+json; every other endpoint here answers problem+json.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import JSONResponse
from sqlmodel import Session

from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.api.principals import AdminOrSelfDep
from issuer.credentials.oid4vci import credentials, metadata, nonces, offers, tokens
from issuer.credentials.oid4vci.errors import (
    InvalidCredentialRequest,
    InvalidRequest,
    OAuthError,
    UnsupportedGrantType,
)
from issuer.models import CredentialOfferCreate, CredentialOfferCreated
from issuer.models.input import RowId

router = APIRouter(tags=["oid4vci"])

# RFC 6749 §5.1: token responses (and the offer, which holds the PIN) are never cached.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_MAX_BODY = 16_384
_OAUTH_ERROR = {
    "description": "OAuth error (RFC 6749 §5.2): error, error_description, optional reason",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {"type": "string"},
                    "error_description": {"type": "string"},
                    "reason": {"type": "string"},
                },
            }
        }
    },
}
_OAUTH_RESPONSES: dict[int | str, dict[str, Any]] = {400: _OAUTH_ERROR, 401: _OAUTH_ERROR}


def _oauth_error(session: Session, error: OAuthError) -> JSONResponse:
    # The request's writes are undone unless the error itself is a write to keep
    # (a counted wrong transaction code).
    if not error.keep_writes:
        session.rollback()
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers())


async def _form(request: Request) -> dict[str, str] | OAuthError:
    """The ``application/x-www-form-urlencoded`` body, or the OAuth error it deserves."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return InvalidRequest("send the token request as application/x-www-form-urlencoded")
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        return InvalidRequest("the token request is too large")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return InvalidRequest("the token request is not UTF-8")
    if any(len(values) > 1 for values in fields.values()):
        return InvalidRequest("a token request parameter appears more than once")
    return {name: values[0] for name, values in fields.items()}


async def _json_body(request: Request) -> object:
    """The JSON body, or the OAuth error it deserves."""
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        return InvalidCredentialRequest("the credential request is too large")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return InvalidCredentialRequest("the credential request is not JSON")


@router.get("/.well-known/openid-credential-issuer")
def credential_issuer_metadata(settings: SettingsDep) -> dict[str, Any]:
    """Credential issuer metadata (OpenID4VCI 1.0 §12.2): endpoints, configurations."""
    return metadata.credential_issuer_metadata(settings)


@router.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata(settings: SettingsDep) -> dict[str, Any]:
    """OAuth 2.0 authorization server metadata (RFC 8414): the token endpoint and grant."""
    return metadata.authorization_server_metadata(settings)


@router.post(
    "/learners/{learner_id}/credential-offers",
    status_code=status.HTTP_201_CREATED,
    response_model=CredentialOfferCreated,
)
def create_credential_offer(
    learner_id: RowId,
    data: CredentialOfferCreate,
    session: SessionDep,
    settings: SettingsDep,
    caller: AdminOrSelfDep,
) -> JSONResponse:
    """Offer the learner's deposits to a wallet (pre-authorized code flow); operator or the learner.

    Returns the ``openid-credential-offer://`` URI, its QR image as a ``data:`` URL and the
    six-digit transaction code (PIN) the learner types into the wallet. The code and PIN
    are shown only here, stored only hashed; the code works once, within ``expires_in``
    seconds (default 15 minutes), and
    the PIN allows 5 wrong attempts. Errors are problem+json.
    """
    created = offers.create_offer(session, settings, learner_id, data, created_by=caller.actor)
    return JSONResponse(created.model_dump(mode="json"), status_code=201, headers=_NO_STORE)


@router.get("/oid4vci/offers/{code}")
def offer_document(
    code: Annotated[str, Path(max_length=offers.MAX_CODE_LENGTH)],
    session: SessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """A credential offer passed by reference (OpenID4VCI 1.0 §4.1.3): the wallet fetches the
    ``credential_offer_uri`` of the offer link. The code is the path; an unknown, used or
    expired one is ``not_found``."""
    return JSONResponse(offers.offer_by_code(session, settings, code), headers=_NO_STORE)


@router.post(
    "/oid4vci/token",
    responses=_OAUTH_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type", "pre-authorized_code"],
                        "properties": {
                            "grant_type": {"const": metadata.PRE_AUTHORIZED_GRANT},
                            "pre-authorized_code": {"type": "string"},
                            "tx_code": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
def token(
    form: Annotated[dict[str, str] | OAuthError, Depends(_form)],
    session: SessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Token endpoint (OpenID4VCI 1.0 §6): a pre-authorized code and PIN for an access token.

    Errors use the OAuth JSON format: ``invalid_grant`` for an unknown, used or expired
    code or a wrong PIN (``reason`` tells which), ``unsupported_grant_type``,
    ``invalid_request``.
    """
    try:
        if isinstance(form, OAuthError):
            raise form
        if form.get("grant_type") != metadata.PRE_AUTHORIZED_GRANT:
            raise UnsupportedGrantType(f"only {metadata.PRE_AUTHORIZED_GRANT} is supported")
        code = form.get("pre-authorized_code")
        if not code:
            raise InvalidRequest("pre-authorized_code is required")
        issued = tokens.redeem_pre_authorized_code(session, settings, code, form.get("tx_code"))
    except OAuthError as exc:
        return _oauth_error(session, exc)
    body = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
    }
    return JSONResponse(body, headers=_NO_STORE)


@router.post("/oid4vci/nonce", responses=_OAUTH_RESPONSES)
def nonce(session: SessionDep) -> JSONResponse:
    """Nonce endpoint (OpenID4VCI 1.0 §7): a fresh, single-use ``c_nonce`` for a key proof."""
    return JSONResponse({"c_nonce": nonces.new_nonce(session)}, headers=_NO_STORE)


@router.post(
    "/oid4vci/credential",
    responses=_OAUTH_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def credential(
    request: Request,
    body: Annotated[object, Depends(_json_body)],
    session: SessionDep,
    settings: SettingsDep,
    keystore: KeyStoreDep,
) -> JSONResponse:
    """Credential endpoint (OpenID4VCI 1.0 §8): issue with a Bearer access token.

    Request ``{"credential_configuration_id", "proofs": {"jwt": [proof]}}``; the proof is
    an ``openid4vci-proof+jwt`` with the holder's ``jwk``, ``aud`` = the credential issuer
    and a fresh ``c_nonce``. Each configuration of the offer is issued once per access
    token. Errors use the OAuth JSON format: ``invalid_token`` (401),
    ``invalid_credential_request``, ``unknown_credential_configuration``,
    ``invalid_proof``, ``invalid_nonce``, ``credential_request_denied``.
    """
    scheme, _, access_token = request.headers.get("authorization", "").partition(" ")
    try:
        if isinstance(body, OAuthError):
            raise body
        response = credentials.handle_credential_request(
            session,
            settings,
            keystore,
            access_token.strip() if scheme.lower() == "bearer" else None,
            body,
        )
    except OAuthError as exc:
        return _oauth_error(session, exc)
    return JSONResponse(response, headers=_NO_STORE)
