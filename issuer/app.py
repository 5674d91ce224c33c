"""The creditbank issuer's FastAPI application."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from redis import Redis

from issuer.api import achievements as achievements_api
from issuer.api import audit as audit_api
from issuer.api import auth as auth_api
from issuer.api import committee as committee_api
from issuer.api import (
    credentials,
    discovery,
    institutions,
    learners,
    oid4vci,
    problems,
    public,
    verify_page,
)
from issuer.api import data_integrity as data_integrity_api
from issuer.api import disputes as disputes_api
from issuer.api import imports as imports_api
from issuer.api import organisation as organisation_api
from issuer.api import portal as portal_api
from issuer.api import qualifications as qualifications_api
from issuer.api import recognition_applications as recognition_applications_api
from issuer.api import reviews as reviews_api
from issuer.api import self_service as self_service_api
from issuer.api import staff_auth as staff_auth_api
from issuer.api import standard_credentials as standard_credentials_api
from issuer.api import standards as standards_api
from issuer.api import statistics as statistics_api
from issuer.api import status as status_api
from issuer.api import transfer_applications as transfer_applications_api
from issuer.api import transfer_checks as transfer_checks_api
from issuer.api import transfer_policies as transfer_policies_api
from issuer.api import transfers as transfers_api
from issuer.api.evidence_upload import MAX_UPLOAD_BYTES as EVIDENCE_UPLOAD_BYTES
from issuer.api.evidence_upload import UPLOAD_PATHS as EVIDENCE_UPLOAD_PATHS
from issuer.api.headers import SecurityHeaders
from issuer.api.input_guard import InputGuard
from issuer.api.retry import RetryMiddleware
from issuer.console import back_office as console_back_office
from issuer.console import committee_pages as console_committee
from issuer.console import home_pages as console_home
from issuer.console import operator_pages as console_operator
from issuer.console import registrar_decision_pages as console_registrar_decision
from issuer.console import registrar_exemption_pages as console_registrar_exemptions
from issuer.console import registrar_pages as console_registrar
from issuer.console import registrar_policy_pages as console_registrar_policy
from issuer.console import registrar_request_pages as console_registrar_requests
from issuer.console import review_pages as console_review
from issuer.console import signin_pages as console_signin
from issuer.console import standards_pages as console_standards
from issuer.console import workspace_jobs as console_workspace_jobs
from issuer.console import workspace_pages as console_workspace
from issuer.core import password_hashing
from issuer.core.db import make_engine, require_migrated
from issuer.core.files import require_home, secure_home
from issuer.core.settings import Settings
from issuer.credentials.certificate_font import check_font
from issuer.jobs.uploads import MAX_BODY_BYTES as UPLOAD_BODY_BYTES
from issuer.models import Problem
from issuer.portal import certificates as portal_certificates
from issuer.portal import disputes as portal_disputes
from issuer.portal import pages as portal_pages
from issuer.portal import qualifications as portal_qualifications
from issuer.portal import recognitions as portal_recognitions
from issuer.portal import self_service as portal_self_service
from issuer.portal import transfers as portal_transfers
from keys import KeyStore

__all__ = ["DOCS_ASSETS_URL", "create_app", "create_app_from_environment"]

#: Where the Swagger UI and ReDoc assets of /docs and /redoc are served.
DOCS_ASSETS_URL = "/docs-assets"

_PROBLEM_CONTENT = {
    problems.PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
}
_PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    status_range: {
        "model": Problem,
        "description": "Problem details (RFC 9457)",
        "content": _PROBLEM_CONTENT,
    }
    for status_range in ("4XX", "5XX")
}


def _operation_id(route: APIRoute) -> str:
    # Stable ids from the route's tag and function name, e.g. "learners-create_learner".
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: refuse a missing data directory or an un-migrated database, make the
    data directory private, open the key store, add the routes."""
    settings = settings or Settings()
    require_home(settings.home)
    secure_home(settings.home)
    password_hashing.configure(settings.home)
    engine = make_engine(settings.db_url)
    require_migrated(engine)
    keystore = KeyStore(settings.keys_dir, settings.key_passphrase.get_secret_value().encode())
    keystore.ensure_initialized()
    # A missing certificate font is logged here and refused per download, not fatal.
    check_font(settings.certificate_font)

    common: dict[str, Any] = {
        "title": "creditbank issuer",
        "version": "0.1.0",
        "summary": "Lifelong-learning credit bank: accounts, credits, signed credentials.",
        "generate_unique_id_function": _operation_id,
        "responses": _PROBLEM_RESPONSES,
    }
    if settings.docs_enabled:
        # /docs and /redoc with the Swagger UI and ReDoc assets served by the app itself
        # (vendored by fastapi-offline), so they work without internet access.
        app = FastAPIOffline(
            docs_url="/docs",
            redoc_url="/redoc",
            openapi_url="/openapi.json",
            static_url=DOCS_ASSETS_URL,
            **common,
        )
    else:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, **common)
    app.add_middleware(SecurityHeaders)
    app.state.settings = settings
    app.state.engine = engine
    app.state.keystore = keystore
    # One connection pool per worker for the sign-in throttle, when it lives in Redis.
    app.state.redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    problems.install(app)
    # Middleware added last runs first: the input guard refuses an oversized or hostile
    # body before the retry middleware buffers it for a possible rerun.
    app.add_middleware(RetryMiddleware)
    # Body size, JSON depth and NUL characters are checked before any route parses a body.
    app.add_middleware(
        InputGuard,
        upload_paths=(
            console_registrar.UPLOAD_PATH,
            transfer_checks_api.CHECK_PATH,
            console_workspace_jobs.UPLOAD_PATH,
            (imports_api.UPLOAD_PATH, UPLOAD_BODY_BYTES),
            *((path, EVIDENCE_UPLOAD_BYTES) for path in EVIDENCE_UPLOAD_PATHS),
        ),
        page_paths=portal_recognitions.PAGE_PATHS,
        refusal_page=portal_recognitions.refusal_page,
    )
    for router in (institutions.router, learners.router, credentials.router, public.router):
        app.include_router(router)
    app.include_router(verify_page.router)
    for router in (
        auth_api.router,
        committee_api.router,
        audit_api.router,
        disputes_api.router,
        qualifications_api.router,
    ):
        app.include_router(router)
    app.include_router(oid4vci.router)
    app.include_router(discovery.router)
    app.include_router(achievements_api.router)
    app.include_router(standards_api.router)
    app.include_router(transfers_api.router)
    app.include_router(transfer_checks_api.router)
    app.include_router(self_service_api.router)
    app.include_router(statistics_api.router)
    app.include_router(transfer_applications_api.router)
    app.include_router(recognition_applications_api.router)
    app.include_router(standard_credentials_api.router)
    app.include_router(status_api.router)
    app.include_router(data_integrity_api.router)
    app.include_router(staff_auth_api.router)
    app.include_router(reviews_api.router)
    app.include_router(transfer_policies_api.router)
    app.include_router(portal_api.router)
    app.include_router(organisation_api.router)
    app.include_router(imports_api.router)
    app.include_router(portal_pages.router)
    app.include_router(portal_self_service.router)
    app.include_router(portal_transfers.router)
    app.include_router(portal_disputes.router)
    app.include_router(portal_certificates.router)
    app.include_router(portal_qualifications.router)
    app.include_router(portal_recognitions.router)
    app.include_router(portal_pages.home)
    for router in (
        console_signin.router,
        console_home.router,
        console_operator.router,
        console_registrar.router,
        console_registrar_policy.router,
        console_registrar_requests.router,
        console_registrar_decision.router,
        console_registrar_exemptions.router,
        console_workspace_jobs.router,
        console_workspace.router,
    ):
        app.include_router(router)
    app.include_router(console_review.router)
    app.include_router(console_committee.router)
    app.include_router(console_standards.router)
    for router in console_back_office.ROUTERS:
        app.include_router(router)
    return app


def create_app_from_environment() -> FastAPI:
    """The app of one server worker: settings from ``CREDITBANK_*`` (``creditbank serve``).

    Uvicorn calls this factory in every worker process (``--workers N``); the workers
    share nothing but the database and the data directory.
    """
    return create_app(Settings())
