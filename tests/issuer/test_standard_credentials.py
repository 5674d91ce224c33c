"""OB 3.0, CLR 2.0 and SD-JWT VC issuance through the API, verified offline with the bundle."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from issuer.models import AuditEvent, Credential, CredentialEntry
from keys import b64url_decode
from tests.issuer.factories import course, create_learner, problem
from verifier import (
    TrustBundle,
    VerificationError,
    verify_clr,
    verify_ob3,
    verify_sd_jwt_presentation,
)
from verifier.formats import sd_jwt
from verifier.formats.holder_key import holder_public_jwk, holder_signer, new_holder_jwk

pytestmark = pytest.mark.db

AUD = "https://hr.example.com"


@pytest.fixture(scope="module")
def holder() -> dict[str, Any]:
    return new_holder_jwk()


@pytest.fixture(scope="module")
def account(client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]) -> dict[str, Any]:
    learner = create_learner(client, admin, name="李雷")
    path = f"/learners/{learner['id']}/courses"
    entries = []
    for title, hours, grade in (("数控加工技术", 48, "优秀"), ("工业机器人编程", 16, None)):
        response = client.post(
            path, json=course(title=title, hours=hours, grade=grade), headers=inst_a["headers"]
        )
        assert response.status_code == 201, response.text
        entries.append(response.json()["entry"]["id"])
    return {"learner": learner, "entries": entries, "national_id": None}


def _trust(app: FastAPI, client: TestClient) -> TrustBundle:
    bundle = client.get("/trust-bundle")
    assert bundle.status_code == 200
    return TrustBundle.from_bytes(bundle.content, app.state.keystore.anchor_jwk())


def _payload(token: str) -> dict[str, Any]:
    body = token.split("~")[0].split(".")[1]
    result: dict[str, Any] = json.loads(sd_jwt.jws.strict_b64url(body))
    return result


def _issue(client: TestClient, admin: dict[str, str], path: str, body: Any) -> dict[str, Any]:
    response = client.post(path, json=body, headers=admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_ob3_badge_verifies_offline(
    app: FastAPI, client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    learner, entries = account["learner"], account["entries"]
    issued = _issue(
        client, admin, f"/learners/{learner['id']}/credentials/ob3", {"entry_id": entries[0]}
    )
    assert issued["format"] == "ob3+jwt"
    verified = verify_ob3(issued["token"], _trust(app, client))
    cred = verified.credential
    assert cred["id"] == f"urn:uuid:{issued['jti']}"
    subject = cred["credentialSubject"]
    assert subject["creditsEarned"] == 3
    achievement = subject["achievement"]
    assert achievement["creditsAvailable"] == 3
    assert achievement["achievementType"] == "Course"
    assert achievement["fieldOfStudy"].startswith("Advanced manufacturing")
    assert achievement["alignment"][0]["targetName"] == "GE-HOURS@1"
    assert subject["result"] == [{"type": ["Result"], "value": "优秀"}]
    hashed = subject["identifier"][0]
    assert hashed["hashed"] is True and hashed["identityHash"].startswith("sha256$")
    # Neither the masked nor any form of the national ID travels in the badge.
    assert learner["national_id_masked"] not in issued["token"]
    assert {e["statusPurpose"] for e in cred["credentialStatus"]} == {"revocation", "suspension"}
    for entry in cred["credentialStatus"]:
        assert entry["statusListIndex"] == str(issued["status_index"])
    assert verified.to_json()["valid"] is True


def test_qr_image_and_certificate_are_only_for_the_qr_form(
    client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    learner, entries = account["learner"], account["entries"]
    issued = _issue(
        client, admin, f"/learners/{learner['id']}/credentials/ob3", {"entry_id": entries[0]}
    )
    for path in ("qr.png", "certificate.pdf"):
        response = client.get(f"/credentials/{issued['jti']}/{path}", headers=admin)
        assert response.status_code == 422, path
        assert response.json()["code"] == "not_recognised"


def test_clr_transcript_envelopes_every_deposit(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    account: dict[str, Any],
    engine: Engine,
) -> None:
    learner, entries = account["learner"], account["entries"]
    issued = _issue(client, admin, f"/learners/{learner['id']}/credentials/clr", {})
    verified = verify_clr(issued["token"], _trust(app, client))
    subject = verified.credential["credentialSubject"]
    assert len(subject["verifiableCredential"]) == 2
    assert [a["name"] for a in subject["achievement"]] == ["数控加工技术", "工业机器人编程"]
    with Session(engine) as session:
        stored = session.exec(select(Credential).where(col(Credential.jti) == issued["jti"])).one()
        links = session.exec(
            select(CredentialEntry.ledger_entry_id).where(
                CredentialEntry.credential_id == stored.id
            )
        ).all()
    assert sorted(links) == sorted(entries)


def test_clr_without_deposits_is_not_recognised(client: TestClient, admin: dict[str, str]) -> None:
    learner = create_learner(client, admin, name="空账户")
    response = client.post(f"/learners/{learner['id']}/credentials/clr", headers=admin)
    assert response.status_code == 422
    assert response.json()["code"] == "not_recognised"


def test_sd_jwt_presentation_discloses_only_what_was_chosen(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    account: dict[str, Any],
    holder: dict[str, Any],
) -> None:
    learner, entries = account["learner"], account["entries"]
    issued = _issue(
        client,
        admin,
        f"/learners/{learner['id']}/credentials/sd-jwt",
        {"entry_ids": entries, "holder_jwk": holder_public_jwk(holder)},
    )
    assert issued["format"] == "dc+sd-jwt" and issued["token"].endswith("~")
    payload = _payload(issued["token"])
    assert payload["vct"] == "https://verify.creditbank.test/vct/credit-certificate/1"
    assert payload["vct#integrity"].startswith("sha256-")
    assert payload["cnf"]["jwk"] == holder_public_jwk(holder)
    assert "name" not in payload and "masked_id" not in payload  # only digests in the JWT
    presentation = sd_jwt.present(
        issued["token"],
        ["name", "credits"],
        holder_signer(holder),
        aud=AUD,
        nonce="n-1",
        iat=int(time.time()),
    )
    verified = verify_sd_jwt_presentation(
        presentation, _trust(app, client), audience=AUD, nonce="n-1"
    )
    disclosed = verified.to_json()["disclosed"]
    assert disclosed["name"] == "李雷" and disclosed["credits"] == 4
    assert "masked_id" not in disclosed and disclosed["entries"] == []


@pytest.mark.parametrize(
    ("jwk", "code"),
    [
        ({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}, "invalid_holder_key"),
        (
            {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            "invalid_holder_key",
        ),
    ],
)
def test_bad_holder_keys_are_refused(
    client: TestClient,
    admin: dict[str, str],
    account: dict[str, Any],
    jwk: dict[str, Any],
    code: str,
) -> None:
    response = client.post(
        f"/learners/{account['learner']['id']}/credentials/sd-jwt",
        json={"entry_ids": account["entries"][:1], "holder_jwk": jwk},
        headers=admin,
    )
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_private_holder_key_is_refused_and_nothing_issued(
    client: TestClient,
    admin: dict[str, str],
    account: dict[str, Any],
    holder: dict[str, Any],
    engine: Engine,
) -> None:
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(Credential)).one()
    response = client.post(
        f"/learners/{account['learner']['id']}/credentials/sd-jwt",
        json={"entry_ids": account["entries"][:1], "holder_jwk": holder},
        headers=admin,
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_holder_key"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Credential)).one() == before


def test_ob3_is_rs256_by_default_es256_on_request_eddsa_never(
    client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    path = f"/learners/{account['learner']['id']}/credentials/ob3"
    for asked, signed in ((None, "RS256"), ("RS256", "RS256"), ("ES256", "ES256")):
        body = {"entry_id": account["entries"][0]} | ({"alg": asked} if asked else {})
        token = _issue(client, admin, path, body)["token"]
        header = json.loads(b64url_decode(token.split(".")[0]))
        assert header["alg"] == signed, asked
        assert header["kid"].startswith("https://verify.creditbank.test/issuer/keys/")
    response = client.post(
        path, json={"entry_id": account["entries"][0], "alg": "EdDSA"}, headers=admin
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"  # OB 3.0 JWTs are RS256 or ES256


def test_other_learners_entry_is_not_found(
    client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    other = create_learner(client, admin, name="韩梅梅")
    response = client.post(
        f"/learners/{other['id']}/credentials/ob3",
        json={"entry_id": account["entries"][0]},
        headers=admin,
    )
    assert response.status_code == 404


def test_idempotency_key_issues_once(
    client: TestClient, admin: dict[str, str], account: dict[str, Any], engine: Engine
) -> None:
    path = f"/learners/{account['learner']['id']}/credentials/ob3"
    headers = {**admin, "Idempotency-Key": "ob3-once"}
    first = _issue(client, headers, path, {"entry_id": account["entries"][1]})
    second = _issue(client, headers, path, {"entry_id": account["entries"][1]})
    assert first == second
    with Session(engine) as session:
        count = session.exec(
            select(func.count()).select_from(Credential).where(Credential.jti == first["jti"])
        ).one()
    assert count == 1


def test_revoke_suspend_reinstate(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    account: dict[str, Any],
    holder: dict[str, Any],
    engine: Engine,
) -> None:
    learner, entries = account["learner"], account["entries"]
    badge = _issue(
        client, admin, f"/learners/{learner['id']}/credentials/ob3", {"entry_id": entries[0]}
    )
    vc = _issue(
        client,
        admin,
        f"/learners/{learner['id']}/credentials/sd-jwt",
        {"entry_ids": entries[:1], "holder_jwk": holder_public_jwk(holder)},
    )
    presentation = sd_jwt.present(
        vc["token"], ["name"], holder_signer(holder), aud=AUD, nonce="n", iat=int(time.time())
    )

    def status_of_badge() -> str:
        try:
            verify_ob3(badge["token"], _trust(app, client))
        except VerificationError as error:
            return error.code
        return "valid"

    def change(jti: str, status: str) -> Any:
        return client.post(
            f"/credentials/{jti}/status", json={"status": status, "reason": "test"}, headers=admin
        )

    assert change(badge["jti"], "suspended").json()["status"] == "suspended"
    assert status_of_badge() == "suspended"
    assert change(badge["jti"], "active").status_code == 200
    assert status_of_badge() == "valid"
    assert change(badge["jti"], "revoked").status_code == 200
    assert status_of_badge() == "revoked"
    final = change(badge["jti"], "active")
    assert final.status_code == 409 and final.json()["code"] == "credential_revoked"

    assert change(vc["jti"], "revoked").status_code == 200
    with pytest.raises(VerificationError) as caught:
        verify_sd_jwt_presentation(presentation, _trust(app, client), audience=AUD, nonce="n")
    assert caught.value.code == "revoked"
    with Session(engine) as session:
        actions = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.subject == f"credential:{badge['jti']}")
            .order_by(col(AuditEvent.id))
        ).all()
    assert list(actions) == [
        "credential.issue",
        "credential.suspended",
        "credential.active",
        "credential.revoked",
    ]


def test_status_change_needs_admin_and_a_known_credential(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    body = {"status": "revoked", "reason": "x"}
    missing = client.post("/credentials/no-such-jti/status", json=body, headers=admin)
    assert missing.status_code == 404
    forbidden = client.post("/credentials/no-such-jti/status", json=body, headers=inst_a["headers"])
    assert forbidden.status_code == 403
    bad = client.post(
        "/credentials/x/status", json={"status": "gone", "reason": "x"}, headers=admin
    )
    assert bad.status_code == 422


def test_context_is_published(client: TestClient) -> None:
    response = client.get("/contexts/creditbank-v1.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    assert "ledgerEntry" in response.json()["@context"]


def test_demo_hook_writes_the_four_files(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    account: dict[str, Any],
    tmp_path: Any,
) -> None:
    from issuer.demo.credentials import write_demo_credentials

    written = write_demo_credentials(
        client, admin, account["learner"]["id"], account["entries"], tmp_path
    )
    assert sorted(written) == [
        "credential-1.ob3.jwt",
        "credential-1.sd-jwt",
        "holder.jwk",
        "transcript.clr.jwt",
    ]
    trust = _trust(app, client)
    verify_ob3(written["credential-1.ob3.jwt"].read_text(), trust)
    verify_clr(written["transcript.clr.jwt"].read_text(), trust)
    holder = json.loads(written["holder.jwk"].read_text())
    presentation = sd_jwt.present(
        written["credential-1.sd-jwt"].read_text().strip(),
        ["name", "credits"],
        holder_signer(holder),
        aud=AUD,
        nonce="demo",
        iat=int(time.time()),
    )
    assert verify_sd_jwt_presentation(presentation, trust, audience=AUD, nonce="demo")


def test_learner_issues_own_and_the_committee_needs_a_case_to_revoke(
    app: FastAPI, client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    from tests.issuer.committee_factories import member, signed_in_learner

    learner = signed_in_learner(client, admin)
    deposit = client.post(
        f"/learners/{learner['id']}/courses", json=course(), headers=inst_a["headers"]
    )
    entry_id = deposit.json()["entry"]["id"]
    path = f"/learners/{learner['id']}/credentials/ob3"
    issued = _issue(client, learner["headers"], path, {"entry_id": entry_id})
    other = create_learner(client, admin, name="别人")
    denied = client.post(
        f"/learners/{other['id']}/credentials/ob3",
        json={"entry_id": entry_id},
        headers=learner["headers"],
    )
    assert denied.status_code == 403
    expert = member(client, admin, "education")
    without_case = client.post(
        f"/credentials/{issued['jti']}/status",
        json={"status": "revoked", "reason": "dispute upheld"},
        headers=expert["headers"],
    )
    problem(without_case, 403, "case_required")  # governed: tests/issuer/test_status_governance.py
    revoked = client.post(
        f"/credentials/{issued['jti']}/status",
        json={"status": "revoked", "reason": "issued in error"},
        headers=admin,
    )
    assert revoked.status_code == 200, revoked.text
    by_learner = client.post(
        f"/credentials/{issued['jti']}/status",
        json={"status": "active", "reason": "mine"},
        headers=learner["headers"],
    )
    assert by_learner.status_code == 403
