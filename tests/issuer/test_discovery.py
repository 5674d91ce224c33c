"""Dereferenceable issuer and keys, JWT VC issuer metadata, the vct's Type Metadata.

Each OB/CLR JWT is checked here with PyJWT against nothing but the JWK its ``kid`` URL
returns; tests/interop/test_key_discovery.py does the same with other people's
software over real HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuer.app import create_app
from issuer.core.settings import Settings
from keys import KeyStore, b64url_decode
from tests.interop._issued import issue_all
from verifier import TrustBundle, verify_clr, verify_ob3
from verifier.formats import vc_jwt
from verifier.formats.holder_key import new_holder_jwk

pytestmark = pytest.mark.db

BASE = "https://verify.creditbank.test"


@pytest.fixture(scope="module")
def issued(client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]) -> dict[str, Any]:
    return issue_all(client, admin, inst_a, new_holder_jwk())


def _header(token: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(b64url_decode(token.split(".")[0]))
    return result


def _path(url: str) -> str:
    assert url.startswith(BASE + "/"), url
    return url.removeprefix(BASE)


def _verify_from_kid(client: TestClient, token: str) -> dict[str, Any]:
    """PyJWT with the one key the kid URL returns; the algorithm from that key."""
    response = client.get(_path(_header(token)["kid"]))
    assert response.status_code == 200
    jwk = response.json()
    key = jwt.PyJWK(jwk)
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=[jwk["alg"]], options={"verify_sub": False}
    )
    return claims


def _sri(data: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_issuer_id_returns_the_profile(
    client: TestClient, issued: dict[str, Any], inst_a: dict[str, Any], settings: Settings
) -> None:
    badge = _verify_from_kid(client, issued["ob3"]["token"])
    response = client.get(_path(badge["issuer"]["id"]))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["cache-control"] == "public, max-age=300"
    profile = response.json()
    assert profile["id"] == badge["iss"] == badge["issuer"]["id"] == f"{BASE}/issuer"
    assert profile["type"] == ["Profile"]
    assert profile["names"] == {"zh": settings.issuer_name_zh, "en": settings.issuer_name_en}
    assert profile["image"] == {"id": f"{BASE}/issuer/logo.png", "type": "Image"}
    codes = {i["otherIdentifier"][0]["identifier"]: i for i in profile["accreditedInstitution"]}
    assert codes[inst_a["code"]]["names"]["en"] == f"Test University {inst_a['code']}"


def test_every_ob_and_clr_jwt_verifies_with_the_key_its_kid_returns(
    client: TestClient, issued: dict[str, Any]
) -> None:
    badge = _verify_from_kid(client, issued["ob3"]["token"])
    assert "OpenBadgeCredential" in badge["type"]
    transcript = _verify_from_kid(client, issued["clr"]["token"])
    envelopes = transcript["credentialSubject"]["verifiableCredential"]
    assert len(envelopes) == 2
    for item in envelopes:
        assert item["@context"] == vc_jwt.VC_CONTEXT
        assert item["type"] == "EnvelopedVerifiableCredential"
        inner = item["id"].removeprefix(vc_jwt.ENVELOPED_PREFIX)
        assert _header(inner)["alg"] == "RS256"
        assert "OpenBadgeCredential" in _verify_from_kid(client, inner)["type"]


def test_key_document_is_the_public_jwk_with_its_state(
    app: FastAPI, client: TestClient, issued: dict[str, Any]
) -> None:
    kid = _header(issued["ob3"]["token"])["kid"]
    document = client.get(_path(kid)).json()
    assert document["kid"] == kid and document["kty"] == "RSA" and document["alg"] == "RS256"
    assert document["status"] == "active" and document["purpose"] == "badge"
    assert kid.endswith("/" + app.state.keystore.badge_signer().kid)
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(document)


def test_unknown_key_id_is_404_problem(app: FastAPI, client: TestClient) -> None:
    for kid in ("no-such-key", app.state.keystore.anchor_signer().kid):
        response = client.get(f"/issuer/keys/{kid}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "unknown_key_id"


@pytest.fixture()
def own_app(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """An app of its own (own key store, same database), so its keys may be retired."""
    home = tmp_path / "home"
    home.mkdir()
    application = create_app(settings.model_copy(update={"home": home}))
    with TestClient(application) as own:
        yield own
    application.state.engine.dispose()


def test_retired_and_compromised_keys_stay_resolvable(own_app: TestClient) -> None:
    store: KeyStore = own_app.app.state.keystore  # type: ignore[attr-defined]
    old_badge = store.badge_signer().kid
    store.rotate("RS256", purpose="badge")
    old_signing = store.signer().kid
    store.compromise(old_signing, datetime(2026, 3, 1, tzinfo=UTC))
    retired = own_app.get(f"/issuer/keys/{old_badge}").json()
    assert retired["status"] == "retired" and retired["retired_at"]
    compromised = own_app.get(f"/issuer/keys/{old_signing}").json()
    assert compromised["status"] == "compromised"
    assert compromised["compromised_since"] == "2026-03-01T00:00:00Z"
    # Rotating the badge key left the signing key alone until it was compromised.
    assert store.badge_signer().kid != old_badge
    assert own_app.get(f"/issuer/keys/{store.badge_signer().kid}").json()["status"] == "active"


def test_trust_bundle_carries_profile_and_key_urls(
    app: FastAPI, client: TestClient, issued: dict[str, Any]
) -> None:
    raw = client.get("/trust-bundle").content
    trust = TrustBundle.from_bytes(raw, app.state.keystore.anchor_jwk())
    (issuer,) = trust.issuers.values()
    assert issuer.profile == client.get("/issuer").json()
    kid = _header(issued["ob3"]["token"])["kid"]
    key = trust.key(kid)
    assert key is not None and key.url == kid and key.alg == "RS256"
    # Offline: the verifier resolves every kid URL from the bundle, fetching nothing.
    assert verify_ob3(issued["ob3"]["token"], trust).kid == key.kid
    assert verify_clr(issued["clr"]["token"], trust).kid == key.kid


def test_jwt_vc_issuer_metadata_names_the_sd_jwt_key(
    app: FastAPI, client: TestClient, issued: dict[str, Any]
) -> None:
    response = client.get("/.well-known/jwt-vc-issuer")
    assert response.status_code == 200
    metadata = response.json()
    token = issued["sd-jwt"]["token"].split("~")[0]
    payload = json.loads(b64url_decode(token.split(".")[1]))
    assert metadata["issuer"] == payload["iss"] == BASE
    kids = {k["kid"] for k in metadata["jwks"]["keys"]}
    assert _header(token)["kid"] in kids
    assert app.state.keystore.badge_signer().kid not in kids  # OB keys sign no SD-JWT VC


def test_vct_returns_type_metadata_matching_its_integrity(
    client: TestClient, issued: dict[str, Any]
) -> None:
    token = issued["sd-jwt"]["token"].split("~")[0]
    payload = json.loads(b64url_decode(token.split(".")[1]))
    assert payload["vct"] == f"{BASE}/vct/credit-certificate/1"
    response = client.get(_path(payload["vct"]))
    assert response.status_code == 200
    assert payload["vct#integrity"] == _sri(response.content)
    metadata = response.json()
    assert metadata["vct"] == payload["vct"]
    locales = {d["locale"]: d for d in metadata["display"]}
    assert locales["zh-CN"]["name"] == "学分证书" and locales["en"]["name"] == "Credit certificate"
    labels = {tuple(c["path"]): c["display"] for c in metadata["claims"]}
    assert {d["label"] for d in labels[("name",)]} == {"姓名", "Name"}
    logo = locales["en"]["rendering"]["simple"]["logo"]
    image = client.get(_path(logo["uri"]))
    assert image.headers["content-type"] == "image/png" and image.content[:4] == b"\x89PNG"
    assert logo["uri#integrity"] == _sri(image.content)


def test_credential_configurations_carry_zh_en_display_and_logo(client: TestClient) -> None:
    metadata = client.get("/.well-known/openid-credential-issuer").json()
    configurations = metadata["credential_configurations_supported"]
    assert configurations["creditbank_credit_sd_jwt"]["vct"] == f"{BASE}/vct/credit-certificate/1"
    assert configurations["creditbank_ob3_jwt"]["credential_signing_alg_values_supported"][0] == (
        "RS256"
    )
    for configuration in configurations.values():
        display = {d["locale"]: d for d in configuration["credential_metadata"]["display"]}
        assert set(display) == {"zh-CN", "en"}
        for item in display.values():
            assert item["name"] and item["description"]
            assert item["logo"]["uri"] == f"{BASE}/issuer/logo.png"
