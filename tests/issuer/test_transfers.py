"""POST /transfers: a university records the credits it accepted, once, with consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.bank import ledger
from issuer.models import Credential
from tests.issuer.factories import (
    append_to_deposit,
    problem,
    redeem_unit,
    row_counts,
    with_consent,
)
from tests.issuer.test_certificate import issue_credential
from verifier import TrustBundle
from verifier.transfer import TransferPolicy, evaluate

pytestmark = pytest.mark.db


def _set_credential(engine: Engine, jti: str, **values: Any) -> None:
    with Session(engine) as session:
        credential = session.exec(select(Credential).where(col(Credential.jti) == jti)).one()
        for name, value in values.items():
            setattr(credential, name, value)
        session.add(credential)
        session.commit()


def _account(client: TestClient, admin: dict[str, str], learner_id: int) -> dict[str, Any]:
    response = client.get(f"/learners/{learner_id}/account", headers=admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_offline_report_then_recorded_once(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    app: FastAPI,
    engine: Engine,
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("数控加工", "机械制图"))
    trust = TrustBundle.from_bytes(
        client.get("/trust-bundle").text, app.state.keystore.anchor_jwk()
    )
    policy = TransferPolicy(name="示范大学 2026", issuers=frozenset({trust_issuer(trust)}))
    report = evaluate([cred["qr_text"]], policy, trust)
    assert report.all_verified and report.accepted_half_credits > 0
    before = _account(client, admin, learner["id"])

    body = with_consent(client, admin, learner, inst_b, report.request())
    response = client.post("/transfers", json=body, headers=inst_b["headers"])
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["consent"] == "application"
    assert result["application_id"] == body["application_id"]
    body = result
    assert body["institution"] == inst_b["code"]
    assert body["learner_id"] == learner["id"]
    assert body["policy"] == "示范大学 2026"
    assert body["half_credits"] == report.accepted_half_credits == before["balance_half_credits"]
    assert [i["position"] for i in body["items"]] == [0, 1]
    assert body["duplicates"] == []

    after = _account(client, admin, learner["id"])
    assert after["balance_half_credits"] == 0
    outs = [e for e in after["entries"] if e["kind"] == "transfer_out"]
    assert [e["id"] for e in outs] == [i["out_entry_id"] for i in body["items"]]
    assert all(e["rule"] == "TRANSFER" and inst_b["name_en"] in e["explanation"] for e in outs)
    with Session(engine) as session:
        ledger.verify_chain(session, learner["id"])

    counts = row_counts(engine)
    again = {**report.request(), "application_id": result["application_id"]}
    problem(client.post("/transfers", json=again, headers=inst_b["headers"]), 409, "consent_used")
    # A second application to the same university: the credits are gone.
    problem(
        client.post(
            "/transfers",
            json=with_consent(client, admin, learner, inst_b, report.request()),
            headers=inst_b["headers"],
        ),
        409,
        "already_transferred",
    )
    # Another university cannot take the same credits either, and nothing was written.
    counts = row_counts(engine)
    problem(
        client.post(
            "/transfers",
            json=with_consent(client, admin, learner, inst_a, report.request()),
            headers=inst_a["headers"],
        ),
        409,
        "already_transferred",
    )
    assert row_counts(engine)["transfer"] == counts["transfer"]
    assert row_counts(engine)["ledger_entry"] == counts["ledger_entry"]


def trust_issuer(trust: TrustBundle) -> str:
    return next(iter(trust.issuers))


def test_a_second_credential_over_the_same_deposit_is_refused(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], inst_b: dict[str, Any]
) -> None:
    learner, first = issue_credential(client, admin, inst_a, titles=("焊接工艺",))
    entry_id = _account(client, admin, learner["id"])["entries"][0]["id"]
    second = client.post(
        f"/learners/{learner['id']}/credentials", json={"entry_ids": [entry_id]}, headers=admin
    ).json()
    # Both credentials in one request: the deposit moves once, the repeat is reported.
    both = {"items": [{"jti": first["jti"]}, {"jti": second["jti"]}]}
    response = client.post(
        "/transfers",
        json=with_consent(client, admin, learner, inst_b, both),
        headers=inst_b["headers"],
    )
    assert response.status_code == 201, response.text
    assert len(response.json()["items"]) == 1
    assert response.json()["duplicates"] == [f"{second['jti']}#0"]
    only_second = {"items": [{"jti": second["jti"]}]}
    problem(
        client.post(
            "/transfers",
            json=with_consent(client, admin, learner, inst_b, only_second),
            headers=inst_b["headers"],
        ),
        409,
        "already_transferred",
    )


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"status": "revoked"}, "credential_revoked"),
        ({"status": "suspended"}, "credential_suspended"),
        ({"expires_at": datetime.now(UTC) - timedelta(days=1)}, "credential_expired"),
    ],
)
def test_inactive_credentials_are_refused(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    engine: Engine,
    values: dict[str, Any],
    code: str,
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("电工基础",))
    body = with_consent(client, admin, learner, inst_b, {"items": [{"jti": cred["jti"]}]})
    _set_credential(engine, cred["jti"], **values)
    counts = row_counts(engine)
    response = client.post("/transfers", json=body, headers=inst_b["headers"])
    refused = problem(response, 409, code)
    # The refusal names the course and the institution that awarded it, not internal ids.
    assert "电工基础" in refused["detail"] and inst_a["name_en"] in refused["detail"]
    assert [(e["jti"], e["code"], e["title"]) for e in refused["errors"]] == [
        (cred["jti"], code, "电工基础")
    ]
    assert row_counts(engine) == counts


def test_redeemed_credits_cannot_be_transferred(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    engine: Engine,
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("液压传动",))
    achievement_id = _account(client, admin, learner["id"])["entries"][0]["achievement_id"]
    redeem_unit(engine, learner["id"], achievement_id)
    body = with_consent(client, admin, learner, inst_b, {"items": [{"jti": cred["jti"]}]})
    response = client.post("/transfers", json=body, headers=inst_b["headers"])
    refused = problem(response, 409, "already_redeemed")
    assert "液压传动" in refused["detail"] and "ledger entry" not in refused["detail"]


def test_reversed_credits_cannot_be_transferred(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    engine: Engine,
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("气动技术",))
    deposit = _account(client, admin, learner["id"])["entries"][0]
    append_to_deposit(engine, learner["id"], deposit, -deposit["half_credits"], "reversal")
    body = with_consent(client, admin, learner, inst_b, {"items": [{"jti": cred["jti"]}]})
    response = client.post("/transfers", json=body, headers=inst_b["headers"])
    refused = problem(response, 409, "insufficient_credits")
    assert "气动技术" in refused["detail"] and "ledger entry" not in refused["detail"]


def test_bad_requests(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], inst_b: dict[str, Any]
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("PLC编程",))
    _, other = issue_credential(client, admin, inst_a, titles=("传感器",))
    post = inst_b["headers"]
    one = with_consent(client, admin, learner, inst_b, {"items": [{"jti": cred["jti"]}]})
    consent = {"application_id": one["application_id"]}
    # Items outside the application: refused for consent, saying nothing of the credential.
    nope = {"items": [{"jti": "nope"}], **consent}
    problem(client.post("/transfers", json=nope, headers=post), 403, "consent_required")
    both = {"items": [{"jti": cred["jti"]}, {"jti": other["jti"]}], **consent}
    refused = problem(client.post("/transfers", json=both, headers=post), 403, "consent_required")
    assert [e["jti"] for e in refused["errors"]] == [other["jti"]]
    far = {"items": [{"jti": cred["jti"], "position": 5}], **consent}
    far_refused = problem(client.post("/transfers", json=far, headers=post), 422, "invalid_request")
    assert "PLC编程" in far_refused["detail"]
    empty = {"items": [], **consent}
    problem(client.post("/transfers", json=empty, headers=post), 422, "invalid_request")
    problem(client.post("/transfers", json=one, headers=admin), 403, "forbidden")
    problem(client.post("/transfers", json=one), 401, "unauthenticated")
    # After all those refusals the credits are still there to transfer.
    assert client.post("/transfers", json=one, headers=post).status_code == 201
    assert _account(client, admin, learner["id"])["balance_half_credits"] == 0


def test_an_open_badge_and_a_qr_credential_of_one_achievement_count_once(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    app: FastAPI,
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("机电一体化", "数控编程"))
    first_entry = _account(client, admin, learner["id"])["entries"][0]["id"]
    badge = client.post(
        f"/learners/{learner['id']}/credentials/ob3", json={"entry_id": first_entry}, headers=admin
    )
    assert badge.status_code == 201, badge.text
    trust = TrustBundle.from_bytes(
        client.get("/trust-bundle").text, app.state.keystore.anchor_jwk()
    )
    policy = TransferPolicy(
        name="p",
        issuers=frozenset({trust_issuer(trust)}),
        domains=frozenset({"AM"}),
        kinds=frozenset({"course"}),
    )
    report = evaluate([badge.json()["token"], cred["qr_text"]], policy, trust)
    assert [(d.jti, d.position, d.reason) for d in report.decisions] == [
        (badge.json()["jti"], 0, None),
        (cred["jti"], 0, "duplicate"),
        (cred["jti"], 1, None),
    ]
    ob3 = report.decisions[0].entry
    assert ob3 is not None
    assert (ob3.title, ob3.institution, ob3.standard) == (
        "机电一体化",
        inst_a["code"],
        "GE-HOURS@1",
    )
    assert report.learner == {"name": learner["name"], "masked_id": learner["national_id_masked"]}

    body = with_consent(client, admin, learner, inst_b, report.request())
    recorded = client.post("/transfers", json=body, headers=inst_b["headers"])
    assert recorded.status_code == 201, recorded.text
    assert len(recorded.json()["items"]) == 2
    assert _account(client, admin, learner["id"])["balance_half_credits"] == 0
