"""A transfer needs the learner's consent bound to one university (issue 13).

Regression tests named after what they guard: an enterprise with a jti from a QR code,
a university without consent, another university's application, a replayed or foreign
presentation — each 403 ``consent_required`` or 409 ``consent_used``, nothing written.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.models import AuditEvent, Credential, TransferNonce
from tests.issuer.factories import (
    apply_for_transfer,
    create_learner,
    learner_headers,
    new_code,
    problem,
    row_counts,
    with_consent,
)
from tests.issuer.test_certificate import issue_credential
from verifier.formats import sd_jwt
from verifier.formats.holder_key import holder_public_jwk, holder_signer, new_holder_jwk

pytestmark = pytest.mark.db


def _institution(client: TestClient, admin: dict[str, str], kind: str) -> dict[str, Any]:
    code = new_code("K")
    body = {"code": code, "name_zh": f"机构{code}", "name_en": f"Body {code}", "kind": kind}
    response = client.post("/institutions", json=body, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    created["headers"] = {"Authorization": f"Bearer {created['api_key']}"}
    return created


def _balance(client: TestClient, admin: dict[str, str], learner_id: int) -> int:
    response = client.get(f"/learners/{learner_id}/account", headers=admin)
    assert response.status_code == 200, response.text
    half: int = response.json()["balance_half_credits"]
    return half


def test_enterprise_with_a_jti_from_a_qr_code_is_refused(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    """The attack of issue 13: an unrelated enterprise takes the learner's credits."""
    enterprise = _institution(client, admin, "enterprise")
    learner, cred = issue_credential(client, admin, inst_a, titles=("数控加工",))
    before, counts = _balance(client, admin, learner["id"]), row_counts(engine)
    body = {"items": [{"jti": cred["jti"]}]}
    refused = problem(
        client.post("/transfers", json=body, headers=enterprise["headers"]),
        403,
        "consent_required",
    )
    assert "universities and colleges" in refused["detail"]
    # Not even with an application the learner made to a university.
    application = apply_for_transfer(client, admin, learner, inst_a, body["items"])
    body_with = {**body, "application_id": application["id"]}
    problem(
        client.post("/transfers", json=body_with, headers=enterprise["headers"]),
        403,
        "consent_required",
    )
    problem(
        client.post("/transfers/nonces", headers=enterprise["headers"]), 403, "consent_required"
    )
    assert _balance(client, admin, learner["id"]) == before
    after = row_counts(engine)
    assert (after["transfer"], after["ledger_entry"]) == (
        counts["transfer"],
        counts["ledger_entry"],
    )


def test_a_university_without_consent_or_with_anothers_application_is_refused(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], inst_b: dict[str, Any]
) -> None:
    college = _institution(client, admin, "college")
    learner, cred = issue_credential(client, admin, inst_a, titles=("机械制图",))
    body = {"items": [{"jti": cred["jti"]}]}
    refused = problem(
        client.post("/transfers", json=body, headers=inst_b["headers"]), 403, "consent_required"
    )
    assert "application_id" in refused["detail"]
    to_college = apply_for_transfer(client, admin, learner, college, body["items"])
    wrong = {**body, "application_id": to_college["id"]}
    refused = problem(
        client.post("/transfers", json=wrong, headers=inst_b["headers"]), 403, "consent_required"
    )
    assert "not made to" in refused["detail"]
    both = {**wrong, "presentation": "x~y~"}
    problem(
        client.post("/transfers", json=both, headers=college["headers"]), 422, "invalid_request"
    )
    # The college it was made to records it: colleges receive transfers too.
    recorded = client.post("/transfers", json=wrong, headers=college["headers"])
    assert recorded.status_code == 201, recorded.text
    assert _balance(client, admin, learner["id"]) == 0
    problem(client.post("/transfers", json=wrong, headers=college["headers"]), 409, "consent_used")


def test_applications_only_to_universities_and_only_of_ones_own_active_credentials(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    enterprise = _institution(client, admin, "enterprise")
    learner, cred = issue_credential(client, admin, inst_a, titles=("电工基础",))
    _, others = issue_credential(client, admin, inst_a, titles=("传感器",))
    headers = learner_headers(client, admin, learner)
    path = f"/learners/{learner['id']}/transfer-applications"

    def apply(institution: str, items: list[dict[str, Any]]) -> Any:
        body = {"institution": institution, "programme": "电气工程", "items": items}
        return client.post(path, json=body, headers=headers)

    mine = [{"jti": cred["jti"]}]
    refused = problem(apply(enterprise["code"], mine), 422, "not_a_university")
    assert enterprise["name_en"] in refused["detail"]
    problem(apply("NO-SUCH-U", mine), 422, "not_a_university")
    problem(apply(inst_a["code"], [{"jti": others["jti"]}]), 404, "not_found")
    problem(apply(inst_a["code"], [{"jti": cred["jti"], "position": 3}]), 422, "invalid_request")
    problem(apply(inst_a["code"], mine + mine), 422, "invalid_request")
    # Someone else cannot apply in the learner's name, not even the operator.
    body = {"institution": inst_a["code"], "programme": "x", "items": mine}
    problem(client.post(path, json=body, headers=admin), 403, "forbidden")
    with Session(engine) as session:
        row = session.exec(select(Credential).where(col(Credential.jti) == cred["jti"])).one()
        row.status = "suspended"
        session.add(row)
        session.commit()
    problem(apply(inst_a["code"], mine), 422, "invalid_request")


def test_items_not_in_the_application_and_a_revoked_credential_among_many(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    engine: Engine,
) -> None:
    """Every item is evaluated and named; nothing is recorded halfway."""
    learner = create_learner(client, inst_a["headers"], name="王五")
    _, first = issue_credential(client, admin, inst_a, titles=("液压传动",), learner=learner)
    _, second = issue_credential(client, admin, inst_a, titles=("气动技术",), learner=learner)
    _, third = issue_credential(client, admin, inst_a, titles=("PLC编程",), learner=learner)
    applied = [{"jti": first["jti"]}, {"jti": second["jti"]}]
    application = apply_for_transfer(client, admin, learner, inst_b, applied)
    with Session(engine) as session:
        row = session.exec(select(Credential).where(col(Credential.jti) == second["jti"])).one()
        row.status = "revoked"
        session.add(row)
        session.commit()
    counts = row_counts(engine)
    body = {
        "items": [*applied, {"jti": third["jti"]}],
        "application_id": application["id"],
    }
    refused = problem(
        client.post("/transfers", json=body, headers=inst_b["headers"]), 409, "credential_revoked"
    )
    assert "2 of 3 items refused" in refused["detail"]
    assert [(e["jti"], e["code"]) for e in refused["errors"]] == [
        (second["jti"], "credential_revoked"),
        (third["jti"], "consent_required"),
    ]
    assert refused["errors"][0]["title"] == "气动技术"
    assert refused["errors"][0]["institution"] == inst_a["code"]
    assert "气动技术" in refused["errors"][0]["detail"]
    assert row_counts(engine) == counts
    # The application is still unused: the valid item alone is recorded with it.
    only_first = {"items": [{"jti": first["jti"]}], "application_id": application["id"]}
    recorded = client.post("/transfers", json=only_first, headers=inst_b["headers"])
    assert recorded.status_code == 201, recorded.text


def test_a_withdrawn_or_expired_application_is_no_consent(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    engine: Engine,
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("焊接工艺",))
    body = with_consent(client, admin, learner, inst_b, {"items": [{"jti": cred["jti"]}]})
    path = f"/learners/{learner['id']}/transfer-applications/{body['application_id']}/withdraw"
    headers = learner_headers(client, admin, learner)
    withdrawn = client.post(path, headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    problem(client.post(path, headers=headers), 409, "conflict")
    refused = problem(
        client.post("/transfers", json=body, headers=inst_b["headers"]), 403, "consent_required"
    )
    assert "withdrawn" in refused["detail"]
    fresh = with_consent(client, admin, learner, inst_b, {"items": [{"jti": cred["jti"]}]})
    from issuer.models import TransferApplication

    with Session(engine) as session:
        row = session.get(TransferApplication, fresh["application_id"])
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(days=1)
        session.add(row)
        session.commit()
    refused = problem(
        client.post("/transfers", json=fresh, headers=inst_b["headers"]), 403, "consent_required"
    )
    assert "expired" in refused["detail"]


def test_incoming_applications_are_scoped_to_their_university(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], inst_b: dict[str, Any]
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("工业机器人",))
    application = apply_for_transfer(client, admin, learner, inst_b, [{"jti": cred["jti"]}])
    assert application["items"] == [
        {"jti": cred["jti"], "position": None, "titles": ["工业机器人"]}
    ]
    incoming = client.get("/transfer-applications", headers=inst_b["headers"])
    assert application["id"] in [a["id"] for a in incoming.json()]
    elsewhere = client.get("/transfer-applications", headers=inst_a["headers"])
    assert application["id"] not in [a["id"] for a in elsewhere.json()]
    one = f"/transfer-applications/{application['id']}"
    assert client.get(one, headers=inst_b["headers"]).json()["programme"] == "机械工程 专升本"
    problem(client.get(one, headers=inst_a["headers"]), 404, "not_found")
    assert client.get(one, headers=learner["headers"]).status_code == 200
    other = create_learner(client, admin)
    problem(client.get(one, headers=learner_headers(client, admin, other)), 404, "not_found")
    mine = client.get(
        f"/learners/{learner['id']}/transfer-applications", headers=learner["headers"]
    )
    assert [a["id"] for a in mine.json()] == [application["id"]]


def _sd_jwt(
    client: TestClient, admin: dict[str, str], inst: dict[str, Any], holder: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    learner, _ = issue_credential(client, admin, inst, titles=("数控编程",))
    account = client.get(f"/learners/{learner['id']}/account", headers=admin).json()
    issued = client.post(
        f"/learners/{learner['id']}/credentials/sd-jwt",
        json={"entry_ids": [account["entries"][0]["id"]], "holder_jwk": holder_public_jwk(holder)},
        headers=admin,
    )
    assert issued.status_code == 201, issued.text
    return learner, issued.json()


def _present(issued: dict[str, Any], holder: dict[str, Any], aud: str, nonce: str) -> str:
    return sd_jwt.present(
        issued["token"], ["name"], holder_signer(holder), aud=aud, nonce=nonce, iat=int(time.time())
    )


def _nonce(client: TestClient, university: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/transfers/nonces", headers=university["headers"])
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_presentation_for_the_university_with_its_nonce_is_consent_once(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    engine: Engine,
) -> None:
    holder = new_holder_jwk()
    learner, issued = _sd_jwt(client, admin, inst_a, holder)
    given = _nonce(client, inst_b)
    assert given["audience"].endswith(f"/institutions/{inst_b['code']}")
    presentation = _present(issued, holder, given["audience"], given["nonce"])
    body = {"items": [{"jti": issued["jti"]}], "presentation": presentation}
    recorded = client.post("/transfers", json=body, headers=inst_b["headers"])
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["consent"] == "presentation"
    # The same presentation again: the nonce is spent.
    problem(client.post("/transfers", json=body, headers=inst_b["headers"]), 409, "consent_used")
    with Session(engine) as session:
        row = session.exec(
            select(TransferNonce).where(col(TransferNonce.nonce) == given["nonce"])
        ).one()
        assert row.used_at is not None
        events = session.exec(
            select(AuditEvent.action).where(col(AuditEvent.subject) == f"learner:{learner['id']}")
        ).all()
    assert "transfer.record" in events


def test_presentations_for_another_audience_or_nonce_are_refused(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    engine: Engine,
) -> None:
    holder = new_holder_jwk()
    _, issued = _sd_jwt(client, admin, inst_a, holder)
    _, cred = issue_credential(client, admin, inst_a, titles=("其他课程",))
    items = [{"jti": issued["jti"]}]
    post = inst_b["headers"]
    counts = row_counts(engine)

    def refused(presentation: str, code: str = "consent_required", status: int = 403) -> str:
        body = {"items": items, "presentation": presentation}
        detail: str = problem(client.post("/transfers", json=body, headers=post), status, code)[
            "detail"
        ]
        return detail

    mine = _nonce(client, inst_b)
    # Made for another university (inst_a's audience), with inst_b's nonce.
    theirs = _nonce(client, inst_a)
    assert "wrong_audience" in refused(_present(issued, holder, theirs["audience"], mine["nonce"]))
    # inst_a's nonce, presented to inst_b.
    assert "not issued to" in refused(_present(issued, holder, mine["audience"], theirs["nonce"]))
    # A nonce nobody issued.
    assert "not issued to" in refused(_present(issued, holder, mine["audience"], "made-up"))
    # Without a KB-JWT, or not an SD-JWT at all.
    assert "key-binding" in refused(issued["token"])
    assert "cannot be read" in refused("not a presentation~garbage")
    # Signed by another holder key: not the credential's holder.
    other = new_holder_jwk()
    assert "holder_binding_failed" in refused(
        _present(issued, other, mine["audience"], mine["nonce"])
    )
    # An expired nonce.
    late = _nonce(client, inst_b)
    with Session(engine) as session:
        row = session.exec(
            select(TransferNonce).where(col(TransferNonce.nonce) == late["nonce"])
        ).one()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
        session.commit()
    assert "expired" in refused(_present(issued, holder, late["audience"], late["nonce"]))
    # Items beyond the presented credential.
    body = {
        "items": [*items, {"jti": cred["jti"]}],
        "presentation": _present(issued, holder, mine["audience"], mine["nonce"]),
    }
    beyond = problem(client.post("/transfers", json=body, headers=post), 403, "consent_required")
    assert [e["jti"] for e in beyond["errors"]] == [cred["jti"]]
    after = row_counts(engine)
    assert (after["transfer"], after["ledger_entry"]) == (
        counts["transfer"],
        counts["ledger_entry"],
    )
    # The refused attempts did not spend the nonce: the right presentation still records.
    good = {
        "items": items,
        "presentation": _present(issued, holder, mine["audience"], mine["nonce"]),
    }
    assert client.post("/transfers", json=good, headers=post).status_code == 201
