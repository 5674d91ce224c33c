"""Our SD-JWT VCs and the ``sd-jwt`` reference implementation (PyPI ``sd-jwt``) both ways."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from tests.interop._issued import issue_all
from tests.verifier import vc_fixtures as fx
from verifier import TrustBundle, verify_sd_jwt_presentation
from verifier.formats import sd_jwt
from verifier.formats.holder_key import holder_signer, new_holder_jwk

pytestmark = pytest.mark.db

AUD, NONCE = "https://hr.example.com", "ref-nonce-1"


@pytest.fixture(scope="module")
def holder() -> dict[str, Any]:
    return new_holder_jwk()


@pytest.fixture(scope="module")
def issued(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], holder: dict[str, Any]
) -> dict[str, Any]:
    return issue_all(client, admin, inst_a, holder)


def _issuer_key_lookup(client: TestClient) -> Any:
    keys = {k["kid"]: k for k in client.get("/.well-known/jwks.json").json()["keys"]}

    def lookup(issuer: str, header: dict[str, Any]) -> JWK:
        return JWK.from_json(json.dumps(keys[header["kid"]]))

    return lookup


def test_reference_verifier_accepts_our_presentation(
    client: TestClient, issued: dict[str, Any], holder: dict[str, Any]
) -> None:
    presentation = sd_jwt.present(
        issued["sd-jwt"]["token"],
        ["name", "credits"],
        holder_signer(holder),
        aud=AUD,
        nonce=NONCE,
        iat=int(time.time()),
    )
    verifier = SDJWTVerifier(
        presentation, _issuer_key_lookup(client), expected_aud=AUD, expected_nonce=NONCE
    )
    claims = verifier.get_verified_payload()
    assert claims["name"] == "王五" and claims["credits"] == 6
    assert claims["vct"] == sd_jwt.vct_of(claims["iss"]) and "masked_id" not in claims
    assert claims["entries"] == []


def test_reference_holder_presentation_passes_our_verifier(
    app: FastAPI, client: TestClient, issued: dict[str, Any], holder: dict[str, Any]
) -> None:
    reference_holder = SDJWTHolder(issued["sd-jwt"]["token"])
    reference_holder.create_presentation(
        {"name": True, "masked_id": True},
        nonce=NONCE,
        aud=AUD,
        holder_key=JWK.from_json(json.dumps(holder)),
        sign_alg="ES256",
    )
    trust = TrustBundle.from_bytes(
        client.get("/trust-bundle").content, app.state.keystore.anchor_jwk()
    )
    result = verify_sd_jwt_presentation(
        reference_holder.sd_jwt_presentation, trust, audience=AUD, nonce=NONCE
    )
    assert result.claims["name"] == "王五"
    assert result.claims["masked_id"] == issued["learner"]["national_id_masked"]
    assert "credits" not in result.claims


def _jwcrypto(signer: Any) -> JWK:
    pem = signer._private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return JWK.from_pem(pem)


def test_our_verifier_accepts_a_reference_issued_credential() -> None:
    claims: dict[Any, Any] = {
        key: value for key, value in fx.sd_claims().items() if key not in ("name", "entries")
    }
    claims.pop("cnf")
    claims.pop("masked_id")
    claims.pop("credits")
    claims[SDObj("name")] = "张三"
    claims[SDObj("credits")] = 4
    claims["entries"] = [SDObj({"title": "数控加工技术", SDObj("hours"): 48})]
    holder_key = JWK.from_json(json.dumps(fx.HOLDER_JWK))
    issuer = SDJWTIssuer(
        claims,
        _jwcrypto(fx.ISSUER),
        holder_key=holder_key,
        sign_alg="ES256",
        add_decoy_claims=True,
        extra_header_parameters={"typ": "dc+sd-jwt", "kid": fx.ISSUER.kid},
    )
    reference_holder = SDJWTHolder(issuer.sd_jwt_issuance)
    reference_holder.create_presentation(
        {"name": True, "entries": [{"hours": True}]},
        nonce=fx.NONCE,
        aud=fx.AUD,
        holder_key=holder_key,
        sign_alg="ES256",
    )
    # The reference stamps the KB-JWT with the real clock, so verify with it too.
    result = verify_sd_jwt_presentation(
        reference_holder.sd_jwt_presentation, fx.trust(), audience=fx.AUD, nonce=fx.NONCE
    )
    assert result.claims["name"] == "张三" and "credits" not in result.claims
    assert result.claims["entries"] == [{"title": "数控加工技术", "hours": 48}]
