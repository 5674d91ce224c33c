"""Roles × endpoints: every route of the app, called by every role, allowed or denied.

The table lists each route once. A route added to the app without an entry here fails
``test_every_route_has_an_entry``, so access is decided deliberately for each new route.

"Allowed" means the caller gets past authentication and authorisation (any status but
401/403 — dummy path parameters may well give 404 or 422); "denied" means 401 for an
anonymous caller and 403 for everyone else. Routes guarding themselves by other means
(OpenID4VCI access tokens, the portal's cookie) are ``OWN``: every role gets the same
answer, since a bearer token changes nothing there.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.issuer.committee_factories import member, signed_in_learner

pytestmark = pytest.mark.db

ROLES = ("anonymous", "admin", "institution", "committee", "learner", "other_learner")

PUBLIC = frozenset(ROLES)
AUTHENTICATED = PUBLIC - {"anonymous"}
ADMIN = frozenset({"admin"})
INSTITUTION = frozenset({"institution"})
ADMIN_OR_INSTITUTION = frozenset({"admin", "institution"})
COMMITTEE = frozenset({"committee"})
ADMIN_OR_COMMITTEE = frozenset({"admin", "committee"})
# The learner of the path's {learner_id}; "other_learner" is another signed-in learner.
ADMIN_OR_SELF = frozenset({"admin", "learner"})
SELF = frozenset({"learner"})
STAFF: frozenset[str] = frozenset()
OWN = None

# The registrar's workspace (issuer/console/registrar_*pages.py), behind the console's cookie.
REGISTRAR_PAGES = (
    "GET /console/registrar",
    "GET /console/registrar/applications/{application_id}",
    "POST /console/registrar/applications/{application_id}/upload",
    "POST /console/registrar/applications/{application_id}/record",
    "GET /console/registrar/applications/{application_id}/decision.csv",
    "GET /console/registrar/applications/{application_id}/decision.pdf",
    "GET /console/registrar/policy",
    "POST /console/registrar/policy",
    "GET /console/registrar/policy.toml",
    "POST /console/registrar/applications/{application_id}/uploads/clear",
    "POST /console/registrar/applications/{application_id}/presentation-request",
    "GET /console/registrar/applications/{application_id}/presentation-request/{nonce_id}",
    "GET /console/registrar/transfers/{transfer_id}/exemptions",
    "POST /console/registrar/transfers/{transfer_id}/exemptions",
)

# The institution workspace (issuer/console/workspace_pages.py, workspace_jobs.py), behind
# the console's cookie; its script is public (it holds nothing of anyone's).
WORKSPACE_PAGES = (
    "GET /console/workspace",
    "GET /console/workspace/{institution_id}",
    "GET /console/workspace/{institution_id}/achievements/new",
    "POST /console/workspace/{institution_id}/achievements",
    "GET /console/workspace/{institution_id}/accounts/new",
    "POST /console/workspace/{institution_id}/accounts",
    "GET /console/workspace/{institution_id}/imports",
    "POST /console/workspace/{institution_id}/imports",
    "GET /console/workspace/{institution_id}/imports/{job_id}",
    "GET /console/workspace/{institution_id}/imports/{job_id}/status",
    "GET /console/workspace/{institution_id}/imports/{job_id}/report.csv",
    "GET /console/workspace/static/job-progress.js",
)

EXPECTED: dict[str, frozenset[str] | None] = {
    # documentation
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /redoc": PUBLIC,
    "GET /docs-assets": PUBLIC,
    # accounts and courses
    "POST /institutions": ADMIN,
    "POST /learners": ADMIN_OR_INSTITUTION,
    "POST /learners/{learner_id}/courses": INSTITUTION,
    "POST /learners/{learner_id}/achievements": INSTITUTION,
    "GET /learners/{learner_id}/account": ADMIN_OR_SELF,
    # back office lists: the operator sees all, an institution its own scope
    "GET /learners": ADMIN_OR_INSTITUTION,
    "POST /learners/search": ADMIN_OR_INSTITUTION,
    "GET /credentials": ADMIN_OR_INSTITUTION,
    "GET /transfers": ADMIN_OR_INSTITUTION,
    "PUT /learners/{learner_id}/password": ADMIN,
    "POST /auth/token": PUBLIC,
    # staff over the API: a staff token (none of the roles here holds one: tests of the
    # staff roles are in test_staff_api.py)
    "POST /auth/staff-token": PUBLIC,
    "GET /reviews": STAFF,
    "GET /reviews/{recognition_id}": STAFF,
    "POST /reviews/{recognition_id}/approve": STAFF,
    "POST /reviews/{recognition_id}/reject": STAFF,
    "POST /reviews/{recognition_id}/more-material": STAFF,
    # a university's transfer policy
    "GET /transfer-policy": INSTITUTION,
    "PUT /transfer-policy": INSTITUTION,
    "GET /transfer-policy/versions": INSTITUTION,
    "GET /transfer-policy.toml": INSTITUTION,
    # a learner's own account: opened online, password changed, reset
    "GET /privacy": PUBLIC,
    "POST /learners/register": PUBLIC,
    "POST /learners/{learner_id}/password-change": SELF,
    "POST /learners/{learner_id}/password-reset-codes": ADMIN,
    "POST /password-resets/requests": PUBLIC,
    "POST /password-resets": PUBLIC,
    # credentials
    "POST /learners/{learner_id}/credentials": ADMIN,
    "GET /credentials/{jti}/qr.png": ADMIN,
    "POST /learners/{learner_id}/credentials/ob3": ADMIN_OR_SELF,
    "POST /learners/{learner_id}/credentials/clr": ADMIN_OR_SELF,
    "POST /learners/{learner_id}/credentials/sd-jwt": ADMIN_OR_SELF,
    "POST /learners/{learner_id}/credentials/ob3-ldp": ADMIN_OR_SELF,
    "POST /learners/{learner_id}/credentials/clr-ldp": ADMIN_OR_SELF,
    "POST /credentials/{jti}/status": ADMIN_OR_COMMITTEE,
    "GET /credentials/{jti}/status": ADMIN_OR_COMMITTEE,
    # Ownership of the credential is checked once it is found (tests of the PDF route).
    "GET /credentials/{jti}/certificate.pdf": AUTHENTICATED,
    "POST /learners/{learner_id}/credential-offers": ADMIN_OR_SELF,
    # transfers: universities record with the learner's consent (test_transfer_consent.py)
    "POST /transfers": INSTITUTION,
    "POST /transfers/nonces": INSTITUTION,
    "GET /transfers/records": INSTITUTION,
    "POST /transfers/{transfer_id}/exemptions": INSTITUTION,
    "GET /learners/{learner_id}/transfers": ADMIN_OR_SELF,
    "POST /learners/{learner_id}/transfer-applications": SELF,
    "GET /learners/{learner_id}/transfer-applications": ADMIN_OR_SELF,
    "POST /learners/{learner_id}/transfer-applications/{application_id}/withdraw": SELF,
    # a learner's own recognition applications with evidence files
    "POST /learners/{learner_id}/recognition-applications/preview": SELF,
    "POST /learners/{learner_id}/recognition-applications": SELF,
    "GET /learners/{learner_id}/recognition-applications": ADMIN_OR_SELF,
    "GET /learners/{learner_id}/recognition-applications/{application_id}": ADMIN_OR_SELF,
    "POST /learners/{learner_id}/recognition-applications/{application_id}/material": SELF,
    "GET /learners/{learner_id}/recognition-applications/{application_id}/files/{file_id}": (
        ADMIN_OR_SELF
    ),
    "GET /transfer-applications": INSTITUTION,
    # Its institution or learner is checked once it is found; committee members are refused.
    "GET /transfer-applications/{application_id}": AUTHENTICATED - {"committee"},
    # The registrar's check (a university's key or a registrar's staff token); its body is
    # refused (422) before the application is looked up, another's is out_of_scope.
    "POST /transfer-applications/{application_id}/checks": INSTITUTION,
    # public documents
    "GET /.well-known/jwks.json": PUBLIC,
    "GET /.well-known/openid-credential-issuer": PUBLIC,
    "GET /.well-known/oauth-authorization-server": PUBLIC,
    "GET /trust-bundle": PUBLIC,
    "GET /healthz": PUBLIC,
    "GET /v1": PUBLIC,
    "GET /v1/{asset:path}": PUBLIC,
    "GET /v1/logo.png": PUBLIC,
    "GET /v1/status-lists/{list_id}": PUBLIC,
    "GET /status-lists/{list_id}": PUBLIC,
    "GET /status-lists/{list_id}/bitstring": PUBLIC,
    "GET /status-lists/{list_id}/{purpose}": PUBLIC,
    "GET /issuer/keys/{kid}": PUBLIC,
    "GET /contexts/creditbank-v1.jsonld": PUBLIC,
    "GET /issuer": PUBLIC,
    "GET /issuer/logo.png": PUBLIC,
    "GET /.well-known/jwt-vc-issuer": PUBLIC,
    "GET /vct/credit-certificate/1": PUBLIC,
    "GET /standards": PUBLIC,
    "GET /standards/{standard_id}/versions/{version}": PUBLIC,
    "GET /qualifications": PUBLIC,
    # standards lifecycle
    "POST /standards": ADMIN,
    "POST /standards/{standard_id}/versions/{version}/submit": ADMIN,
    "POST /standards/{standard_id}/versions/{version}/draft": ADMIN,
    "PATCH /standards/{standard_id}/versions/{version}": ADMIN,
    "PUT /standards/{standard_id}/versions/{version}/effective-from": ADMIN,
    "GET /standards/{standard_id}/versions/{version}/diff": PUBLIC,
    "POST /standards/{standard_id}/versions/{version}/preview": ADMIN,
    # committee
    "POST /committee/members": ADMIN,
    "GET /committee/members": ADMIN_OR_COMMITTEE,
    "POST /committee/panels": ADMIN,
    "GET /committee/panels/{panel_id}": ADMIN_OR_COMMITTEE,
    "POST /committee/standards/{standard_id}/versions/{version}/review": ADMIN,
    "POST /committee/recognitions/{recognition_id}/review": ADMIN,
    "GET /committee/cases": ADMIN_OR_COMMITTEE,
    "GET /committee/cases/{case_id}": ADMIN_OR_COMMITTEE,
    "POST /committee/cases/{case_id}/votes": COMMITTEE,
    # an institution's CSV jobs (its API key, or a staff token of one of its staff)
    "POST /imports": INSTITUTION,
    "GET /imports": INSTITUTION,
    "GET /imports/{job_id}": INSTITUTION,
    "GET /imports/{job_id}/report.csv": INSTITUTION,
    "GET /audit": ADMIN,
    "GET /audit.csv": ADMIN,
    # statistics
    "GET /statistics": ADMIN,
    "GET /statistics.csv": ADMIN,
    "GET /statistics/charts/{name}.svg": ADMIN,
    # disputes
    "POST /learners/{learner_id}/disputes": SELF,
    "GET /learners/{learner_id}/disputes": ADMIN_OR_SELF,
    "GET /disputes": ADMIN_OR_COMMITTEE,
    # The filer is checked once the dispute is found (test_disputes.py).
    "GET /disputes/{dispute_id}": AUTHENTICATED,
    # qualifications
    "GET /learners/{learner_id}/qualifications": ADMIN_OR_SELF,
    "POST /learners/{learner_id}/qualifications/{pathway_id}/redemptions": ADMIN_OR_SELF,
    "GET /learners/{learner_id}/redemptions": ADMIN_OR_SELF,
    # OpenID4VCI: pre-authorised code, access token and nonce of its own
    # The offer by reference: its pre-authorized code, in the path, is its own credential.
    "GET /oid4vci/offers/{code}": OWN,
    "POST /oid4vci/token": OWN,
    "POST /oid4vci/nonce": OWN,
    "POST /oid4vci/credential": OWN,
    # learner portal: its own sign-in cookie
    "GET /portal": OWN,
    "GET /portal/sign-in": OWN,
    "GET /portal/language/{locale}": PUBLIC,
    "GET /": PUBLIC,
    "POST /portal/sign-in": OWN,
    "POST /portal/sign-out": OWN,
    "GET /portal/account": OWN,
    "GET /portal/credentials/{jti}/certificate.pdf": OWN,
    "GET /portal/credentials/{jti}/qr.png": OWN,
    "GET /portal/credentials/{jti}/token": OWN,
    "POST /portal/wallet-offer": OWN,
    "GET /portal/register": PUBLIC,
    "POST /portal/register": OWN,
    "GET /portal/privacy": PUBLIC,
    "GET /portal/password": OWN,
    "POST /portal/password": OWN,
    "GET /portal/password/forgot": PUBLIC,
    "POST /portal/password/forgot": OWN,
    "GET /portal/password/reset": PUBLIC,
    "POST /portal/password/reset": OWN,
    "GET /portal/transfer-applications/new": OWN,
    "POST /portal/transfer-applications": OWN,
    "POST /portal/transfer-applications/{application_id}/withdraw": OWN,
    "GET /portal/entries/{seq}/dispute": OWN,
    "POST /portal/entries/{seq}/dispute": OWN,
    "GET /portal/disputes": OWN,
    "GET /portal/disputes/{dispute_id}": OWN,
    "GET /portal/qualifications": OWN,
    "GET /portal/qualifications/{pathway_id}/redeem": OWN,
    "POST /portal/qualifications/{pathway_id}/redeem": OWN,
    "GET /portal/redemptions/{redemption_id}/statement.jwt": OWN,
    "GET /portal/certificates": OWN,
    "POST /portal/certificates": OWN,
    "GET /portal/recognitions": OWN,
    "GET /portal/recognitions/new": OWN,
    "POST /portal/recognitions/preview": OWN,
    "POST /portal/recognitions": OWN,
    "GET /portal/recognitions/{application_id}": OWN,
    "POST /portal/recognitions/{application_id}/material": OWN,
    "GET /portal/recognitions/{application_id}/files/{file_id}": OWN,
    # staff console: its own session cookie (every bearer token gets the same answer)
    "GET /console/language/{locale}": PUBLIC,
    "GET /console/sign-in": OWN,
    "POST /console/sign-in": OWN,
    "GET /console/sign-in/code": OWN,
    "POST /console/sign-in/code": OWN,
    "GET /console/enrol": OWN,
    "POST /console/enrol": OWN,
    "POST /console/sign-out": OWN,
    "GET /console": OWN,
    "GET /console/centres/{centre_id}": OWN,
    "GET /console/organisation": OWN,
    "POST /console/organisation": OWN,
    "GET /console/institutions": OWN,
    "POST /console/institutions": OWN,
    "POST /console/institutions/{institution_id}/rotate": OWN,
    "POST /console/institutions/{institution_id}/revoke": OWN,
    "GET /console/staff": OWN,
    "POST /console/staff": OWN,
    "POST /console/staff/{staff_id}/deactivate": OWN,
    "POST /console/staff/{staff_id}/reset-totp": OWN,
    "GET /console/review": OWN,
    "GET /console/review/{recognition_id}": OWN,
    "POST /console/review/{recognition_id}/approve": OWN,
    "POST /console/review/{recognition_id}/reject": OWN,
    "POST /console/review/{recognition_id}/more-material": OWN,
    "GET /console/review/{recognition_id}/files/{file_id}": OWN,
    "GET /console/committee": OWN,
    "GET /console/committee/cases/{case_id}": OWN,
    "POST /console/committee/cases/{case_id}/vote": OWN,
    "GET /console/standards": OWN,
    "GET /console/standards/{standard_id}/versions/{version}": OWN,
    "POST /console/standards/{standard_id}/versions/{version}/draft": OWN,
    "POST /console/standards/{standard_id}/versions/{version}/rules": OWN,
    "POST /console/standards/{standard_id}/versions/{version}/effective-from": OWN,
    "POST /console/standards/{standard_id}/versions/{version}/submit": OWN,
    **{f"GET /console/{p}": OWN for p in ("audit", "audit.csv", "learners", "keys")},
    "GET /console/pathways": OWN,
    **{f"GET /console/{p}": OWN for p in ("learners/{learner_id}", "keys/trust-bundle.json")},
    **{f"GET /console/{p}": OWN for p in ("credentials", "credentials/{jti}", "statistics")},
    **{f"GET /console/{p}": OWN for p in ("statistics.csv", "statistics/charts/{name}.svg")},
    **{f"POST /console/{p}": OWN for p in ("learners/search", "credentials/{jti}/status")},
    **dict.fromkeys(REGISTRAR_PAGES, OWN),
    **dict.fromkeys(WORKSPACE_PAGES, OWN),
    # organisation (automation with the admin token; people use the console)
    "GET /org-units": ADMIN,
    "POST /org-units": ADMIN,
    "GET /institutions": ADMIN,
    "PUT /institutions/{institution_id}/centre": ADMIN,
    "POST /institutions/{institution_id}/api-key": ADMIN,
    "DELETE /institutions/{institution_id}/api-key": ADMIN,
    "GET /staff": ADMIN,
    "POST /staff": ADMIN,
    "POST /staff/{staff_id}/deactivate": ADMIN,
    "POST /staff/{staff_id}/totp-reset": ADMIN,
}


def _routes(app: FastAPI) -> dict[str, Any]:
    """Every (method, path) of the app, HEAD left out (it follows GET)."""
    found: dict[str, Any] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method != "HEAD":
                found[f"{method} {context.path}"] = route
    return found


def test_every_route_has_an_entry(app: FastAPI) -> None:
    routes = set(_routes(app))
    assert sorted(routes - EXPECTED.keys()) == [], "routes without an access decision"
    assert sorted(EXPECTED.keys() - routes) == [], "entries for routes that no longer exist"


@pytest.fixture(scope="module")
def callers(client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]) -> dict[str, Any]:
    learner = signed_in_learner(client, admin)
    other = signed_in_learner(client, admin)
    return {
        "learner_id": learner["id"],
        "headers": {
            "anonymous": {},
            "admin": admin,
            "institution": inst_a["headers"],
            "committee": member(client, admin, "industry")["headers"],
            "learner": learner["headers"],
            "other_learner": other["headers"],
        },
    }


def _url(route: Any, path: str, learner_id: int) -> str:
    values: dict[str, str] = {}
    if isinstance(route, APIRoute):
        for param in route.dependant.path_params:
            if param.name == "learner_id":
                values[param.name] = str(learner_id)
            elif param.field_info.annotation is int:
                values[param.name] = "999999"
            else:
                values[param.name] = "x"
    for name, value in values.items():
        path = path.replace(f"{{{name}:path}}", value).replace(f"{{{name}}}", value)
    return path


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_roles_matrix(key: str, app: FastAPI, client: TestClient, callers: dict[str, Any]) -> None:
    route = _routes(app).get(key)
    if route is None:
        pytest.fail(f"{key} is in the table but not in the app")
    method, path = key.split(" ", 1)
    url = _url(route, path, callers["learner_id"])
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    statuses: dict[str, int] = {}
    for role in ROLES:
        response = client.request(
            method, url, headers=callers["headers"][role], follow_redirects=False, json=body
        )
        assert response.status_code < 500, f"{role}: {response.text}"
        statuses[role] = response.status_code
    allowed = EXPECTED[key]
    if allowed is None:
        assert len(set(statuses.values())) == 1, statuses
        return
    for role, status in statuses.items():
        if role in allowed:
            assert status not in (401, 403), f"{role} was denied {key}: {statuses}"
        else:
            expected = 401 if role == "anonymous" else 403
            assert status == expected, f"{role} on {key}: {statuses}"
