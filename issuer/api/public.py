"""Public, unauthenticated routes: keys, trust bundle, health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from issuer.api.deps import EngineDep, KeyStoreDep, SettingsDep
from issuer.api.published import respond
from issuer.core import migrate
from issuer.credentials.discovery import published_jwks
from issuer.credentials.trust import published_trust_bundle
from issuer.models import Health

router = APIRouter(tags=["public"])


@router.get("/.well-known/jwks.json")
def jwks(keystore: KeyStoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Public keys of the credential keys, each under its thumbprint and under its URL."""
    return published_jwks(keystore, settings)


@router.get(
    "/trust-bundle",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "Signed trust bundle."},
        304: {"description": "The bundle named in If-None-Match is still the current one."},
    },
)
def trust_bundle(
    request: Request, engine: EngineDep, keystore: KeyStoreDep, settings: SettingsDep
) -> Response:
    """The signed trust bundle an offline verifier loads, as published.

    Built again only when something it shows changed (a status, a new status list, a key,
    an institution) or when half its validity has passed; otherwise served as stored, with
    an ``ETag`` (``If-None-Match`` → 304) and a ``Cache-Control`` bounded by its lifetime.
    """
    published = published_trust_bundle(engine, keystore, settings)
    return respond(request, published, timedelta(hours=settings.trust_bundle_validity_hours))


@router.get("/healthz")
def healthz(engine: EngineDep) -> Health:
    """Liveness and the database revision."""
    return Health(status="ok", database_revision=migrate.current_revision_of(engine) or "none")
