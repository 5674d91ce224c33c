"""OB 3.0 and CLR 2.0 with Data Integrity proofs: issued over HTTP, verified offline.

Real keys (the key store's Ed25519 proof key), real canonicalization, the real trust
bundle; the 1-bit status lists read back as the issuer publishes them.
"""

from __future__ import annotations

import copy
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.issuer.factories import course, create_learner
from verifier import (
    BadSignature,
    TrustBundle,
    UnknownIssuer,
    UnknownKey,
    VerificationError,
    verify_clr_ldp,
    verify_ob3_ldp,
)
from verifier._detect import detect
from verifier.formats import data_integrity, jws

pytestmark = pytest.mark.db

BASE = "https://verify.creditbank.test"


@pytest.fixture(scope="module")
def account(client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]) -> dict[str, Any]:
    learner = create_learner(client, admin, name="韩梅梅")
    entries = []
    for title, hours in (("电工基础", 32), ("传感器技术", 48)):
        response = client.post(
            f"/learners/{learner['id']}/courses",
            json=course(title=title, hours=hours),
            headers=inst_a["headers"],
        )
        assert response.status_code == 201, response.text
        entries.append(response.json()["entry"]["id"])
    return {"learner": learner, "entries": entries}


def _trust(app: FastAPI, client: TestClient) -> TrustBundle:
    bundle = client.get("/trust-bundle")
    assert bundle.status_code == 200
    return TrustBundle.from_bytes(bundle.content, app.state.keystore.anchor_jwk())


def _issue(client: TestClient, admin: dict[str, str], path: str, body: Any) -> dict[str, Any]:
    response = client.post(path, json=body, headers=admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _ob3(client: TestClient, admin: dict[str, str], account: dict[str, Any]) -> dict[str, Any]:
    path = f"/learners/{account['learner']['id']}/credentials/ob3-ldp"
    return _issue(client, admin, path, {"entry_id": account["entries"][0]})


def test_ob3_with_a_data_integrity_proof_verifies_offline(
    app: FastAPI, client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    issued = _ob3(client, admin, account)
    credential = issued["credential"]
    assert issued["format"] == "ob3+ldp"
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"].startswith(f"{BASE}/issuer/keys/")
    assert [e["statusPurpose"] for e in credential["credentialStatus"]] == [
        "revocation",
        "suspension",
    ]
    verified = verify_ob3_ldp(credential, _trust(app, client))
    assert verified.format == "ob3+ldp" and verified.credential["id"] == f"urn:uuid:{issued['jti']}"
    # The text form, as stored and as a wallet holds it, verifies the same way.
    assert verify_ob3_ldp(json.dumps(credential), _trust(app, client)).format == "ob3+ldp"


def test_every_signed_change_breaks_the_proof(
    app: FastAPI, client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    credential = _ob3(client, admin, account)["credential"]
    trust = _trust(app, client)
    more = copy.deepcopy(credential)
    more["credentialSubject"]["creditsEarned"] = 99
    with pytest.raises(BadSignature):
        verify_ob3_ldp(more, trust)
    renamed = copy.deepcopy(credential)
    renamed["credentialSubject"]["achievement"]["name"] = "伪造的课程"
    with pytest.raises(BadSignature):
        verify_ob3_ldp(renamed, trust)
    stranger = copy.deepcopy(credential)
    stranger["proof"]["verificationMethod"] = f"{BASE}/issuer/keys/unknown#multikey"
    with pytest.raises(UnknownKey):
        verify_ob3_ldp(stranger, trust)
    other_issuer = copy.deepcopy(credential)
    other_issuer["issuer"]["id"] = "https://elsewhere.example"
    with pytest.raises(UnknownIssuer):
        verify_ob3_ldp(other_issuer, trust)


def test_multikey_and_controller_documents(
    app: FastAPI, client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    credential = _ob3(client, admin, account)["credential"]
    method = credential["proof"]["verificationMethod"]
    response = client.get(method.removeprefix(BASE).split("#")[0])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    multikey = response.json()
    assert multikey["id"] == method and multikey["type"] == "Multikey"
    assert multikey["controller"] == credential["issuer"]["id"]
    # The published key verifies the proof by itself, as a wallet online would use it.
    public = data_integrity.multikey_public_key(multikey["publicKeyMultibase"])
    data_integrity.verify(credential, public)
    # The issuer id is the controller: the Profile it returns lists the method.
    controller = client.get(credential["issuer"]["id"].removeprefix(BASE)).json()
    assert controller["id"] == credential["issuer"]["id"]
    assert method in controller["assertionMethod"]
    # A signing key's URL returns its JWK, never a Multikey document.
    jose = client.get("/issuer/keys/" + app.state.keystore.signer().kid)
    assert jose.status_code == 200 and "publicKeyMultibase" not in jose.json()
    missing = client.get("/issuer/keys/" + "x" * 43)
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_key_id"
    # The JOSE keys and the proof key never stand in for each other.
    assert app.state.keystore.proof_signer().kid not in {
        k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]
    }


def _bit(credential_url: str, client: TestClient, index: int, purpose: str) -> int:
    response = client.get(credential_url.removeprefix(BASE))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vc+ld+json"
    listed = response.json()
    assert listed["credentialSubject"]["statusPurpose"] == purpose
    assert listed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    bits = gzip.decompress(jws.strict_b64url(listed["credentialSubject"]["encodedList"][1:]))
    assert len(bits) * 8 >= 131_072
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_revocation_and_suspension_read_from_the_1_bit_lists_and_offline(
    app: FastAPI, client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    issued = _ob3(client, admin, account)
    credential = issued["credential"]
    revocation, suspension = credential["credentialStatus"]
    index = int(revocation["statusListIndex"])

    def bits() -> tuple[int, int]:
        return (
            _bit(revocation["statusListCredential"], client, index, "revocation"),
            _bit(suspension["statusListCredential"], client, index, "suspension"),
        )

    def offline() -> str:
        try:
            verify_ob3_ldp(credential, _trust(app, client))
        except VerificationError as error:
            return error.code
        return "valid"

    def change(status: str) -> None:
        response = client.post(
            f"/credentials/{issued['jti']}/status",
            json={"status": status, "reason": "test"},
            headers=admin,
        )
        assert response.status_code == 200, response.text

    assert bits() == (0, 0) and offline() == "valid"
    change("suspended")
    assert bits() == (0, 1) and offline() == "suspended"
    change("active")
    assert bits() == (0, 0) and offline() == "valid"
    change("revoked")
    assert bits() == (1, 0) and offline() == "revoked"


def test_unknown_purpose_is_a_validation_problem(client: TestClient) -> None:
    response = client.get("/status-lists/1/refresh")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_clr_with_a_data_integrity_proof_embeds_each_secured_badge(
    app: FastAPI, client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    issued = _issue(client, admin, f"/learners/{account['learner']['id']}/credentials/clr-ldp", {})
    credential = issued["credential"]
    assert issued["format"] == "clr+ldp"
    held = credential["credentialSubject"]["verifiableCredential"]
    assert len(held) == len(account["entries"])
    assert all(item["proof"]["cryptosuite"] == "eddsa-rdfc-2022" for item in held)
    verified = verify_clr_ldp(credential, _trust(app, client))
    assert verified.format == "clr+ldp"
    # A badge inside changed: the transcript's own proof fails first.
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["verifiableCredential"][0]["credentialSubject"][
        "creditsEarned"
    ] = 40
    with pytest.raises(BadSignature):
        verify_clr_ldp(tampered, _trust(app, client))
    assert detect(json.dumps(credential)) == "clr-ldp"
    assert detect(json.dumps(held[0])) == "ob3-ldp"


def test_a_jwt_badge_issued_before_reads_the_same_on_every_list(
    app: FastAPI, client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    # A badge with the 2-bit message entry, as every badge was before the 1-bit lists:
    # its slot reads the same on the message list, both 1-bit lists and in the bundle.
    from verifier import verify_ob3
    from verifier.formats import bitstring_status

    path = f"/learners/{account['learner']['id']}/credentials/ob3"
    issued = _issue(client, admin, path, {"entry_id": account["entries"][1]})
    index = issued["status_index"]
    message_url = f"/status-lists/{issued['status_list']}/bitstring"
    list_url = f"{BASE}/status-lists/{issued['status_list']}"

    def message() -> int:
        token = client.get(message_url).text
        claims = json.loads(jws.strict_b64url(token.split(".")[1]))
        bits = bitstring_status.decode_list(claims["credentialSubject"]["encodedList"])
        return bitstring_status.get(bits, index)

    response = client.post(
        f"/credentials/{issued['jti']}/status",
        json={"status": "suspended", "reason": "test"},
        headers=admin,
    )
    assert response.status_code == 200
    assert message() == 2
    assert _bit(f"{list_url}/suspension", client, index, "suspension") == 1
    assert _bit(f"{list_url}/revocation", client, index, "revocation") == 0
    with pytest.raises(VerificationError) as caught:
        verify_ob3(issued["token"], _trust(app, client))
    assert caught.value.code == "suspended"


def test_creditbank_verify_reads_a_data_integrity_badge_file(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    account: dict[str, Any],
    tmp_path: Path,
) -> None:
    credential = _ob3(client, admin, account)["credential"]
    (tmp_path / "badge.json").write_text(json.dumps(credential, ensure_ascii=False), "utf-8")
    (tmp_path / "bundle.json").write_bytes(client.get("/trust-bundle").content)
    anchor = json.dumps(app.state.keystore.anchor_jwk())
    (tmp_path / "anchor.jwk").write_text(anchor, "utf-8")
    args = ["--trust", str(tmp_path / "bundle.json"), "--anchor", str(tmp_path / "anchor.jwk")]
    script = shutil.which("creditbank-verify", path=str(Path(sys.executable).parent))
    assert script is not None
    cli = [script, str(tmp_path / "badge.json"), *args, "--json"]
    done = subprocess.run(cli, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["format"] == "ob3+ldp"
    credential["credentialSubject"]["creditsEarned"] = 12
    (tmp_path / "badge.json").write_text(json.dumps(credential, ensure_ascii=False), "utf-8")
    done = subprocess.run(cli, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and json.loads(done.stdout)["error"] == "bad_signature"
