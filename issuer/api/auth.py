"""Learner sign-in (``POST /auth/token``) and password management by the operator."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from issuer.api import learner_refusals, signin
from issuer.api.deps import SessionDep, SettingsDep
from issuer.api.principals import AdminDep
from issuer.bank import accounts
from issuer.core import audit, security
from issuer.core.errors import InvalidRequest
from issuer.models.input import RequestModel, RowId

router = APIRouter(tags=["auth"])


class TokenRequest(RequestModel):
    learner_id: RowId
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")


class PasswordSet(RequestModel):
    password: str = Field(min_length=8, max_length=256)


_TOKEN_SCHEMA = TokenRequest.model_json_schema()


async def _token_request(request: Request) -> TokenRequest:
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    try:
        data: Any
        if content_type == "application/x-www-form-urlencoded":
            # Form values are all text: the learner id is read from its digits (lax mode).
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
            return TokenRequest.model_validate(form, strict=False)
        data = json.loads(raw or b"null")
        return TokenRequest.model_validate(data)
    except ValidationError as exc:
        # The same field errors as any other body (without the submitted values).
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from exc
    except ValueError as exc:
        raise InvalidRequest("send {learner_id, password} as JSON or a form") from exc


@router.post(
    "/auth/token",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _TOKEN_SCHEMA},
                "application/x-www-form-urlencoded": {"schema": _TOKEN_SCHEMA},
            },
        }
    },
)
async def issue_token(request: Request, settings: SettingsDep) -> TokenResponse:
    """Sign a learner in: ``{learner_id, password}`` (JSON or form) → a short-lived bearer token.

    Wrong or unknown credentials are ``unauthenticated`` (401), indistinguishably. Attempts
    are counted per account and per client address: after a few failures each further
    attempt waits an exponentially growing time, and one made sooner is
    ``too_many_attempts`` (429) with ``Retry-After``.
    """
    data = await _token_request(request)
    learner_refusals.mark_account(request, data.learner_id)
    token = await signin.sign_in(request, data.learner_id, data.password)
    return TokenResponse(access_token=token, expires_in=60 * settings.learner_token_minutes)


@router.put("/learners/{learner_id}/password", status_code=status.HTTP_204_NO_CONTENT)
def set_learner_password(
    learner_id: RowId, data: PasswordSet, session: SessionDep, admin: AdminDep
) -> None:
    """Set (or reset) a learner's password; it is stored only as an argon2id hash."""
    learner = accounts.get_learner(session, learner_id)
    security.set_password(session, learner, data.password)
    audit.record(
        session,
        actor=admin.actor,
        action="learner.set_password",
        subject=f"learner:{learner_id}",
        payload={},
    )
