"""Digital Bazaar's verifier over our Data Integrity credentials, and ours over theirs.

``@digitalbazaar/vc`` with ``@digitalbazaar/eddsa-rdfc-2022-cryptosuite`` verifies the OB
and CLR credentials our API issues, and ``@digitalbazaar/vc-bitstring-status-list`` reads
their revocation and suspension from the lists our API publishes. The documents it
dereferences (Multikey, controller, status lists) are fetched from our API by the test and
handed over; contexts come from the bundled files: no network on either side.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from keys import b64url, thumbprint
from tests.interop.digitalbazaar import run
from tests.issuer.factories import course, create_learner
from verifier import BadSignature, TrustBundle, verify_ob3_ldp
from verifier.formats import data_integrity, trust_bundle
from verifier.formats.jws import strict_b64url

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("node_stack")]

BASE = "https://verify.creditbank.test"


@pytest.fixture(scope="module")
def account(client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]) -> dict[str, Any]:
    learner = create_learner(client, admin, name="赵六")
    entries = []
    for title, hours in (("数据结构", 48), ("操作系统", 64)):
        response = client.post(
            f"/learners/{learner['id']}/courses",
            json=course(title=title, hours=hours, domain="AI"),
            headers=inst_a["headers"],
        )
        assert response.status_code == 201, response.text
        entries.append(response.json()["entry"]["id"])
    return {"learner": learner, "entries": entries}


def _issue(client: TestClient, admin: dict[str, str], path: str, body: Any) -> dict[str, Any]:
    response = client.post(path, json=body, headers=admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _get(client: TestClient, url: str) -> Any:
    response = client.get(url.removeprefix(BASE).split("#")[0])
    assert response.status_code == 200, response.text
    return response.json()


def _documents(client: TestClient, credential: dict[str, Any]) -> dict[str, Any]:
    """What Digital Bazaar's stack dereferences, as our API serves it now."""
    method = credential["proof"]["verificationMethod"]
    documents = {
        method: _get(client, method),
        credential["issuer"]["id"]: _get(client, credential["issuer"]["id"]),
    }
    for entry in credential["credentialStatus"]:
        documents[entry["statusListCredential"]] = _get(client, entry["statusListCredential"])
    return documents


def _db_verify(client: TestClient, credential: dict[str, Any]) -> dict[str, Any]:
    return run(
        "verify.mjs", {"credential": credential, "documents": _documents(client, credential)}
    )


def _change(client: TestClient, admin: dict[str, str], jti: str, status: str) -> None:
    response = client.post(
        f"/credentials/{jti}/status", json={"status": status, "reason": "interop"}, headers=admin
    )
    assert response.status_code == 200, response.text


def test_digital_bazaar_verifies_our_badge_and_reads_its_status(
    client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    base = f"/learners/{account['learner']['id']}/credentials/ob3-ldp"
    revoked = _issue(client, admin, base, {"entry_id": account["entries"][0]})
    suspended = _issue(client, admin, base, {"entry_id": account["entries"][1]})

    fresh = _db_verify(client, revoked["credential"])
    assert fresh == {
        "verified": True,
        "error": None,
        "status": {"revocation": False, "suspension": False},
    }, fresh

    _change(client, admin, revoked["jti"], "revoked")
    _change(client, admin, suspended["jti"], "suspended")
    after = _db_verify(client, revoked["credential"])
    assert after["status"] == {"revocation": True, "suspension": False}, after
    after = _db_verify(client, suspended["credential"])
    assert after["status"] == {"revocation": False, "suspension": True}, after
    _change(client, admin, suspended["jti"], "active")
    assert _db_verify(client, suspended["credential"])["status"]["suspension"] is False


def test_digital_bazaar_refuses_a_changed_badge(
    client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    path = f"/learners/{account['learner']['id']}/credentials/ob3-ldp"
    credential = _issue(client, admin, path, {"entry_id": account["entries"][0]})["credential"]
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["creditsEarned"] = 30
    result = _db_verify(client, tampered)
    assert result["verified"] is False and "Invalid signature" in (result["error"] or ""), result


def test_digital_bazaar_verifies_our_transcript(
    client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    path = f"/learners/{account['learner']['id']}/credentials/clr-ldp"
    credential = _issue(client, admin, path, {})["credential"]
    result = _db_verify(client, credential)
    assert result["verified"] is True, result
    for badge in credential["credentialSubject"]["verifiableCredential"]:
        inner = _db_verify(client, badge)
        assert inner["verified"] is True, inner


def test_our_verifier_checks_a_proof_digital_bazaar_made(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    account: dict[str, Any],
) -> None:
    path = f"/learners/{account['learner']['id']}/credentials/ob3-ldp"
    ours = _issue(client, admin, path, {"entry_id": account["entries"][0]})["credential"]
    unsigned = {k: v for k, v in ours.items() if k != "proof"}
    theirs = run(
        "sign.mjs",
        {"credential": unsigned, "controller": ours["issuer"]["id"], "seed": secrets.token_hex(32)},
    )
    signed = theirs["credential"]
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    # A bundle that trusts their key for this issuer, beside ours.
    raw = client.get("/trust-bundle").content
    document = trust_bundle.open_bundle(raw, app.state.keystore.anchor_jwk())
    public = data_integrity.multikey_public_key(theirs["publicKeyMultibase"])
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(public.public_bytes_raw())}
    document["issuers"][0]["keys"].append(
        {
            **jwk,
            "kid": thumbprint(jwk),
            "alg": "EdDSA",
            "status": "active",
            "purpose": "proof",
            "verification_method": theirs["verificationMethod"],
            "controller": ours["issuer"]["id"],
        }
    )
    trust = TrustBundle(document)
    verified = verify_ob3_ldp(signed, trust)
    assert verified.credential["id"] == ours["id"]
    tampered = copy.deepcopy(signed)
    tampered["name"] = "伪造"
    with pytest.raises(BadSignature):
        verify_ob3_ldp(tampered, trust)
    assert strict_b64url(jwk["x"]) == public.public_bytes_raw()
