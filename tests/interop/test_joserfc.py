"""Our JWTs verified by joserfc from the published JWKS alone.

The Open Badges / CLR JWTs name their key by its URL and are signed RS256 by the badge
key; the published JWKS lists every key under its thumbprint and under its URL.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.core.settings import Settings
from issuer.credentials.vc_issuance import issue_ob3
from keys import KeyStore, b64url_decode
from tests.interop._issued import issue_all
from verifier.formats.holder_key import new_holder_jwk

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def issued(client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]) -> dict[str, Any]:
    return issue_all(client, admin, inst_a, new_holder_jwk())


@pytest.fixture(scope="module")
def jwks(client: TestClient) -> KeySet:
    return KeySet.import_key_set(client.get("/.well-known/jwks.json").json())


def test_ob3_and_clr_jwts(issued: dict[str, Any], jwks: KeySet) -> None:
    for kind, types in (("ob3", "OpenBadgeCredential"), ("clr", "ClrCredential")):
        token = jwt.decode(issued[kind]["token"], jwks, algorithms=["RS256"])
        assert token.header["typ"] == "JWT" and token.header["alg"] == "RS256"
        claims = token.claims
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": claims["issuer"]["id"]},
            jti={"essential": True, "value": claims["id"]},
            nbf={"essential": True},
        ).validate(claims)
        assert types in claims["type"]


def test_enveloped_badges_inside_the_clr(issued: dict[str, Any], jwks: KeySet) -> None:
    claims = jwt.decode(issued["clr"]["token"], jwks, algorithms=["RS256"]).claims
    for item in claims["credentialSubject"]["verifiableCredential"]:
        assert item["@context"] == "https://www.w3.org/ns/credentials/v2"
        inner = item["id"].removeprefix("data:application/vc+jwt,")
        assert "OpenBadgeCredential" in jwt.decode(inner, jwks, algorithms=["RS256"]).claims["type"]


def test_sd_jwt_issuer_signature(issued: dict[str, Any], jwks: KeySet) -> None:
    issuer_jwt = issued["sd-jwt"]["token"].split("~")[0]
    compact = jws.deserialize_compact(issuer_jwt, jwks, algorithms=["ES256"])
    assert compact.protected["typ"] == "dc+sd-jwt"
    assert "_sd" in json.loads(compact.payload)


def test_tampered_jwt_is_refused(issued: dict[str, Any], jwks: KeySet) -> None:
    head, body, sig = issued["ob3"]["token"].split(".")
    forged = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(f"{head}.{forged}.{sig}", jwks, algorithms=["RS256"])


def test_status_list_token(client: TestClient, issued: dict[str, Any], jwks: KeySet) -> None:
    list_id, index = issued["sd-jwt"]["status_list"], issued["sd-jwt"]["status_index"]
    token = client.get(f"/status-lists/{list_id}").text
    compact = jws.deserialize_compact(token, jwks, algorithms=["ES256"])
    assert compact.protected["typ"] == "statuslist+jwt"
    status = json.loads(compact.payload)["status_list"]
    raw = zlib.decompress(b64url_decode(status["lst"]))
    assert status["bits"] == 2 and len(raw) * 4 >= 131_072
    assert (raw[index // 4] >> (2 * (index % 4))) & 3 == 0


def test_es256_badge_when_asked_for(
    app: Any, engine: Engine, settings: Settings, issued: dict[str, Any], jwks: KeySet
) -> None:
    store: KeyStore = app.state.keystore
    with Session(engine) as session:
        credential = issue_ob3(
            session, settings, store, issued["learner"]["id"], issued["entries"][1], alg="ES256"
        )
        session.rollback()
    token = jwt.decode(credential.token, jwks, algorithms=["ES256"])
    assert token.header["alg"] == "ES256"
    assert token.header["kid"] == f"{settings.verify_base_url}/issuer/keys/{store.signer().kid}"
    assert token.claims["credentialSubject"]["achievement"]["name"] == "机器学习实践"
