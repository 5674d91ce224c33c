"""OpenID4VCI: the Open Badge with a Data Integrity proof as an ``ldp_vc`` configuration."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.issuer.test_oid4vci import oauth_error
from tests.wallet.oid4vci_support import (
    learner_with_deposits,
    make_offer,
    offer_of,
    token_form,
)
from verifier import TrustBundle, verify_ob3_ldp

pytestmark = pytest.mark.db

LDP = "creditbank_ob3_ldp"


def test_metadata_describes_the_ldp_vc_configuration(client: TestClient) -> None:
    configs = client.get("/.well-known/openid-credential-issuer").json()[
        "credential_configurations_supported"
    ]
    ldp = configs[LDP]
    assert ldp["format"] == "ldp_vc"
    assert ldp["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert ldp["credential_definition"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert ldp["credential_definition"]["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "proof_types_supported" not in ldp  # no holder binding, like the JWT badge


def test_ldp_vc_offer_issues_a_badge_that_verifies_offline(
    app: FastAPI, client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    offer = make_offer(client, admin, learner_id, credential_configuration_ids=[LDP])
    assert offer_of(offer["offer_uri"])["credential_configuration_ids"] == [LDP]
    token = client.post("/oid4vci/token", data=token_form(offer)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(
        "/oid4vci/credential", json={"credential_configuration_id": LDP}, headers=headers
    )
    assert response.status_code == 200, response.text
    (item,) = response.json()["credentials"]
    credential = item["credential"]
    assert isinstance(credential, dict)  # ldp_vc: a JSON object, not a string
    bundle = client.get("/trust-bundle").content
    trust = TrustBundle.from_bytes(bundle, app.state.keystore.anchor_jwk())
    assert verify_ob3_ldp(credential, trust).format == "ob3+ldp"
    again = client.post(
        "/oid4vci/credential", json={"credential_configuration_id": LDP}, headers=headers
    )
    oauth_error(again, 400, "credential_request_denied", "already_issued")


def test_ldp_vc_offer_needs_exactly_one_entry(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"], count=2)
    response = client.post(
        f"/learners/{learner_id}/credential-offers",
        json={"credential_configuration_ids": [LDP]},
        headers=admin,
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request" and LDP in response.json()["detail"]
