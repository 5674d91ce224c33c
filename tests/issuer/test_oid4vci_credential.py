"""OpenID4VCI credential endpoint: access token, key proofs (aud, nonce, iat, jwk), issuing once."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.credentials.oid4vci._hashing import secret_hash
from issuer.models import Credential, OID4VCIIssuance, OID4VCINonce, utcnow
from keys import b64url, b64url_decode, load_public_jwk, verify_signature
from tests.issuer.test_oid4vci import oauth_error
from tests.wallet.oid4vci_support import learner_with_deposits, make_offer, proof_jwt, token_form
from verifier.formats import sd_jwt
from wallet import HolderKey

pytestmark = pytest.mark.db

CREDENTIAL = "/oid4vci/credential"
SD_JWT = "creditbank_credit_sd_jwt"


@pytest.fixture
def access(client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]) -> dict[str, str]:
    """Authorization headers with a fresh access token for a one-entry offer."""
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    offer = make_offer(client, admin, learner_id)
    token = client.post("/oid4vci/token", data=token_form(offer)).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def holder() -> HolderKey:
    return HolderKey.generate()


def nonce(client: TestClient) -> str:
    return str(client.post("/oid4vci/nonce").json()["c_nonce"])


def request(proof: str, configuration: str = SD_JWT) -> dict[str, Any]:
    return {"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}}


def good_proof(client: TestClient, holder: HolderKey, settings: Settings, **kw: Any) -> str:
    args: dict[str, Any] = {
        "aud": settings.verify_base_url,
        "nonce": nonce(client),
        "iat": int(time.time()),
    }
    args.update(kw)
    return proof_jwt(holder, **args)


def issuances(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(OID4VCIIssuance)).scalar_one()
        )


def test_sd_jwt_is_issued_bound_to_the_proof_key(
    client: TestClient,
    access: dict[str, str],
    holder: HolderKey,
    settings: Settings,
    app: Any,
    engine: Engine,
) -> None:
    response = client.post(
        CREDENTIAL, json=request(good_proof(client, holder, settings)), headers=access
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    (item,) = response.json()["credentials"]
    issued = item["credential"]
    jwt, *disclosures = issued.split("~")
    assert disclosures[-1] == "" and len(disclosures) > 1
    head_b64, payload_b64, signature = jwt.split(".")
    header = json.loads(b64url_decode(head_b64))
    payload = json.loads(b64url_decode(payload_b64))
    assert header["typ"] == "dc+sd-jwt"
    assert payload["cnf"]["jwk"] == holder.public_jwk()
    # Every disclosure is referenced by the signed payload (or by another disclosure).
    sd_jwt.resolve(payload, sd_jwt.decode_disclosures(disclosures[:-1]))
    with Session(engine) as session:
        stored = session.exec(select(Credential).where(col(Credential.token) == issued)).one()
        assert stored.format == "dc+sd-jwt"
        record = session.exec(
            select(OID4VCIIssuance).where(col(OID4VCIIssuance.credential_jti) == stored.jti)
        ).one()
        assert record.configuration_id == SD_JWT
    # Signed by the issuer's active key, as published in its key store.
    jwk = next(k for k in app.state.keystore.jwks()["keys"] if k["kid"] == header["kid"])
    public, alg = load_public_jwk(jwk)
    verify_signature(public, alg, b64url_decode(signature), f"{head_b64}.{payload_b64}".encode())


def test_nothing_is_issued_twice_for_one_access_token(
    client: TestClient,
    access: dict[str, str],
    holder: HolderKey,
    settings: Settings,
    engine: Engine,
) -> None:
    first = client.post(
        CREDENTIAL, json=request(good_proof(client, holder, settings)), headers=access
    )
    assert first.status_code == 200
    before = issuances(engine)
    again = client.post(
        CREDENTIAL, json=request(good_proof(client, holder, settings)), headers=access
    )
    oauth_error(again, 400, "credential_request_denied", "already_issued")
    assert issuances(engine) == before


def test_proof_with_wrong_audience_is_invalid_proof(
    client: TestClient,
    access: dict[str, str],
    holder: HolderKey,
    settings: Settings,
    engine: Engine,
) -> None:
    before = issuances(engine)
    proof = good_proof(client, holder, settings, aud="https://elsewhere.example")
    oauth_error(client.post(CREDENTIAL, json=request(proof), headers=access), 400, "invalid_proof")
    assert issuances(engine) == before
    # Nothing was half-done: the same access token still works with a good proof.
    ok = client.post(CREDENTIAL, json=request(good_proof(client, holder, settings)), headers=access)
    assert ok.status_code == 200


def test_used_nonce_is_invalid_nonce(
    client: TestClient,
    inst_a: dict[str, Any],
    admin: dict[str, str],
    holder: HolderKey,
    settings: Settings,
    access: dict[str, str],
) -> None:
    proof = good_proof(client, holder, settings)
    assert client.post(CREDENTIAL, json=request(proof), headers=access).status_code == 200
    # The same proof (same nonce) for another offer's token: the nonce is spent.
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    offer = make_offer(client, admin, learner_id)
    token = client.post("/oid4vci/token", data=token_form(offer)).json()["access_token"]
    other = {"Authorization": f"Bearer {token}"}
    oauth_error(client.post(CREDENTIAL, json=request(proof), headers=other), 400, "invalid_nonce")


def test_expired_or_unknown_nonce_is_invalid_nonce(
    client: TestClient,
    access: dict[str, str],
    holder: HolderKey,
    settings: Settings,
    engine: Engine,
) -> None:
    stale = nonce(client)
    with Session(engine) as session:
        session.execute(
            update(OID4VCINonce)
            .where(col(OID4VCINonce.nonce_hash) == secret_hash(stale))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    for value in (stale, "never-issued-by-us"):
        proof = good_proof(client, holder, settings, nonce=value)
        oauth_error(
            client.post(CREDENTIAL, json=request(proof), headers=access), 400, "invalid_nonce"
        )


@pytest.mark.parametrize(
    "case",
    [
        "no_nonce",
        "old_iat",
        "future_iat",
        "wrong_typ",
        "kid_header",
        "private_jwk",
        "no_jwk",
        "other_key",
        "not_a_jws",
        "no_proofs",
        "rsa_alg",
    ],
)
def test_bad_proofs_are_invalid_proof(
    client: TestClient,
    access: dict[str, str],
    holder: HolderKey,
    settings: Settings,
    engine: Engine,
    case: str,
) -> None:
    now = int(time.time())
    body: dict[str, Any]
    if case == "no_nonce":
        body = request(good_proof(client, holder, settings, nonce=None))
    elif case == "old_iat":
        body = request(good_proof(client, holder, settings, iat=now - 3600))
    elif case == "future_iat":
        body = request(good_proof(client, holder, settings, iat=now + 3600))
    elif case == "wrong_typ":
        body = request(good_proof(client, holder, settings, header={"typ": "JWT"}))
    elif case == "kid_header":
        body = request(good_proof(client, holder, settings, header={"kid": "k1"}))
    elif case == "private_jwk":
        body = request(
            good_proof(client, holder, settings, header={"jwk": {**holder.public_jwk(), "d": "AA"}})
        )
    elif case == "no_jwk":
        body = request(good_proof(client, holder, settings, header={"jwk": None}))
    elif case == "other_key":
        # Signed by one key, naming another: the signature does not match the jwk.
        other = HolderKey.generate().public_jwk()
        body = request(good_proof(client, holder, settings, header={"jwk": other}))
    elif case == "not_a_jws":
        body = request("not.a.jws")
    elif case == "no_proofs":
        body = {"credential_configuration_id": SD_JWT}
    else:
        # alg from the token is never trusted: a P-256 key with alg RS256 is refused.
        body = request(good_proof(client, holder, settings, header={"alg": "RS256"}))
    before = issuances(engine)
    if case == "rsa_alg":
        # HolderKey always writes ES256; rewrite the header by hand to claim RS256.
        proof = body["proofs"]["jwt"][0]
        head, rest = proof.split(".", 1)
        header = json.loads(b64url_decode(head))
        header["alg"] = "RS256"
        body = request(b64url(json.dumps(header).encode()) + "." + rest)
    oauth_error(client.post(CREDENTIAL, json=body, headers=access), 400, "invalid_proof")
    assert issuances(engine) == before


def test_credential_request_errors(
    client: TestClient, access: dict[str, str], holder: HolderKey, settings: Settings
) -> None:
    proof = good_proof(client, holder, settings)
    response = client.post(CREDENTIAL, json=request(proof))
    oauth_error(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")
    bad = {"Authorization": "Bearer nope"}
    oauth_error(client.post(CREDENTIAL, json=request(proof), headers=bad), 401, "invalid_token")
    oauth_error(
        client.post(CREDENTIAL, json=request(proof, "no_such_config"), headers=access),
        400,
        "unknown_credential_configuration",
    )
    oauth_error(
        client.post(CREDENTIAL, json={"proofs": {"jwt": [proof]}}, headers=access),
        400,
        "invalid_credential_request",
    )
    oauth_error(
        client.post(
            CREDENTIAL, content=b"{not json", headers={**access, "Content-Type": "application/json"}
        ),
        400,
        "invalid_credential_request",
    )
    two = {"credential_configuration_id": SD_JWT, "proofs": {"jwt": [proof, proof]}}
    oauth_error(
        client.post(CREDENTIAL, json=two, headers=access), 400, "invalid_credential_request"
    )


def test_expired_access_token_is_invalid_token(
    client: TestClient,
    access: dict[str, str],
    holder: HolderKey,
    settings: Settings,
    engine: Engine,
) -> None:
    from issuer.models import OID4VCIAccessToken

    token = access["Authorization"].removeprefix("Bearer ")
    with Session(engine) as session:
        session.execute(
            update(OID4VCIAccessToken)
            .where(col(OID4VCIAccessToken.token_hash) == secret_hash(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    proof = good_proof(client, holder, settings)
    oauth_error(client.post(CREDENTIAL, json=request(proof), headers=access), 401, "invalid_token")


def test_configuration_not_in_the_offer_is_denied(
    client: TestClient,
    inst_a: dict[str, Any],
    admin: dict[str, str],
    holder: HolderKey,
    settings: Settings,
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"], count=2)
    offer = make_offer(client, admin, learner_id)  # two entries: no Open Badge offered
    token = client.post("/oid4vci/token", data=token_form(offer)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"credential_configuration_id": "creditbank_ob3_jwt"}
    oauth_error(
        client.post(CREDENTIAL, json=body, headers=headers),
        400,
        "credential_request_denied",
        "not_offered",
    )


def test_open_badge_is_issued_without_a_key_proof(
    client: TestClient, access: dict[str, str], engine: Engine
) -> None:
    body = {"credential_configuration_id": "creditbank_ob3_jwt"}
    response = client.post(CREDENTIAL, json=body, headers=access)
    assert response.status_code == 200, response.text
    (item,) = response.json()["credentials"]
    payload = json.loads(b64url_decode(item["credential"].split(".")[1]))
    assert "OpenBadgeCredential" in payload["type"]
    with Session(engine) as session:
        stored = session.exec(
            select(Credential).where(col(Credential.token) == item["credential"])
        ).one()
        assert stored.format == "ob3+jwt"
    again = client.post(CREDENTIAL, json=body, headers=access)
    oauth_error(again, 400, "credential_request_denied", "already_issued")
