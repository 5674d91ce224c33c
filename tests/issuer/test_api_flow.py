"""End to end: register, record courses, read the account, issue and verify a credential."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.models import Credential, CredentialEntry
from tests.issuer.factories import course, create_learner
from verifier import TrustBundle, verify
from verifier.formats import cbqr

pytestmark = pytest.mark.db


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def test_course_deposits_and_account(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner = create_learner(client, inst_a["headers"], name="陈七")
    path = f"/learners/{learner['id']}/courses"
    theory = client.post(path, json=course(hours=24, domain="AM"), headers=inst_a["headers"])
    practice = client.post(
        path,
        json=course(course_type="practice", hours=64, domain="AI", title="机器学习实训"),
        headers=inst_a["headers"],
    )
    assert theory.status_code == practice.status_code == 201
    deposit = theory.json()
    assert deposit["decision"]["half_credits"] == 3
    assert deposit["decision"]["credits"] == 1.5
    assert deposit["decision"]["rule"] == "theory-16h"
    assert deposit["entry"]["kind"] == "deposit"
    assert deposit["entry"]["half_credits"] == 3
    assert deposit["entry"]["achievement_id"] == deposit["achievement"]["id"]

    account = client.get(f"/learners/{learner['id']}/account", headers=admin).json()
    assert account["learner"] == learner
    assert account["balance_half_credits"] == 7
    assert account["balance"] == 3.5
    assert account["by_domain"] == [
        {"domain": "AI", "credits": 2.0, "half_credits": 4},
        {"domain": "AM", "credits": 1.5, "half_credits": 3},
    ]
    assert account["by_domain_and_kind"] == [
        {"domain": "AI", "kind": "deposit", "credits": 2.0, "half_credits": 4},
        {"domain": "AM", "kind": "deposit", "credits": 1.5, "half_credits": 3},
    ]
    entries = account["entries"]
    assert [e["seq"] for e in entries] == [1, 2]
    assert entries[0]["standard"] == "GE-HOURS@1"
    assert entries[1]["rule"] == "practice-32h"
    assert "3.5" not in entries[0]["explanation"] and "1.5" in entries[0]["explanation"]
    assert entries[1]["prev_hash"] == entries[0]["hash"]


def test_zero_credit_course_is_recorded_without_a_deposit(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    learner = create_learner(client, admin)
    response = client.post(
        f"/learners/{learner['id']}/courses", json=course(hours=7), headers=inst_a["headers"]
    )
    assert response.status_code == 201
    body = response.json()
    assert body["entry"] is None
    assert body["decision"]["half_credits"] == 0
    assert body["achievement"]["hours"] == 7
    account = client.get(f"/learners/{learner['id']}/account", headers=admin).json()
    assert account["entries"] == [] and account["balance_half_credits"] == 0


def test_issue_credential_and_verify_offline(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    settings: Settings,
) -> None:
    learner = create_learner(client, admin, name="周八")
    path = f"/learners/{learner['id']}/courses"
    ids = [
        client.post(path, json=course(title=title, hours=hours), headers=inst_a["headers"]).json()[
            "entry"
        ]["id"]
        for title, hours in (("数控加工技术", 48), ("工业机器人编程", 16))
    ]
    response = client.post(
        f"/learners/{learner['id']}/credentials", json={"entry_ids": ids}, headers=admin
    )
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["format"] == "cbqr"
    assert issued["qr_text"].startswith("https://verify.creditbank.test/v1#")
    assert issued["expires_at"] is None

    header = json.loads(_b64(issued["jws"].split(".")[0]))
    signer = app.state.keystore.signer()
    assert header == {"alg": "ES256", "kid": signer.kid[:8], "zip": "DEF", "typ": "cbqr+jwt"}

    bundle = client.get("/trust-bundle")
    assert bundle.status_code == 200
    trust = TrustBundle.from_bytes(bundle.content, app.state.keystore.anchor_jwk())
    verified = verify(issued["qr_text"], trust)
    cred = verified.credential
    assert cred.jti == issued["jti"]
    assert cred.issuer == settings.issuer_id
    assert cred.name == "周八"
    assert cred.masked_id == learner["national_id_masked"]
    assert (cred.status_list, cred.status_index) == (issued["status_list"], issued["status_index"])
    assert [(e.title, e.half_credits, e.hours) for e in cred.entries] == [
        ("数控加工技术", 6, 48),
        ("工业机器人编程", 2, 16),
    ]
    assert {e.institution for e in cred.entries} == {inst_a["code"]}
    assert all(e.standard == "GE-HOURS@1" and e.kind == "course" for e in cred.entries)
    assert cbqr.extract_jws(issued["qr_text"]) == issued["jws"]

    with Session(engine) as session:
        stored = session.exec(select(Credential).where(col(Credential.jti) == issued["jti"])).one()
        assert stored.token == issued["jws"] and stored.status == "active"
        links = session.exec(
            select(CredentialEntry.ledger_entry_id)
            .where(CredentialEntry.credential_id == stored.id)
            .order_by(col(CredentialEntry.position))
        ).all()
        assert list(links) == ids

    png = client.get(f"/credentials/{issued['jti']}/qr.png", headers=admin)
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_credential_validity_days_sets_exp(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    settings: Settings,
) -> None:
    learner = create_learner(client, admin)
    entry = client.post(
        f"/learners/{learner['id']}/courses", json=course(), headers=inst_a["headers"]
    ).json()["entry"]
    app.state.settings = settings.model_copy(update={"credential_validity_days": 365})
    try:
        issued = client.post(
            f"/learners/{learner['id']}/credentials",
            json={"entry_ids": [entry["id"]]},
            headers=admin,
        ).json()
    finally:
        app.state.settings = settings
    trust = TrustBundle.from_bytes(
        client.get("/trust-bundle").content, app.state.keystore.anchor_jwk()
    )
    cred = verify(issued["jws"], trust).credential
    assert cred.exp is not None and cred.exp - cred.nbf == 365 * 86400
    assert issued["expires_at"] is not None


def test_public_endpoints(app: FastAPI, client: TestClient) -> None:
    jwks = client.get("/.well-known/jwks.json").json()
    kids = [key.get("kid") for key in jwks["keys"]]
    assert app.state.keystore.signer().kid in kids
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["database_revision"] != "none"
