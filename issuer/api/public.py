"""Public, unauthenticated routes: keys, trust bundle, health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from issuer.api.deps import EngineDep, KeyStoreDep, SessionDep, SettingsDep
from issuer.core import migrate
from issuer.credentials.discovery import published_jwks
from issuer.credentials.trust import build_trust_bundle
from issuer.models import Health

router = APIRouter(tags=["public"])


@router.get("/.well-known/jwks.json")
def jwks(keystore: KeyStoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Public keys of the credential keys, each under its thumbprint and under its URL."""
    return published_jwks(keystore, settings)


@router.get(
    "/trust-bundle",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "Signed trust bundle."}},
)
def trust_bundle(session: SessionDep, keystore: KeyStoreDep, settings: SettingsDep) -> Response:
    """The signed trust bundle an offline verifier loads."""
    text = build_trust_bundle(session, keystore, settings)
    return Response(text, media_type="application/json")


@router.get("/healthz")
def healthz(engine: EngineDep) -> Health:
    """Liveness and the database revision."""
    return Health(status="ok", database_revision=migrate.current_revision_of(engine) or "none")
