"""Conversion standards: shipped defaults, seeding, lifecycle and the public API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.conversion import standards
from issuer.conversion.standard_document import shipped_documents
from issuer.core.errors import StandardState
from issuer.models import ConversionStandard
from tests.issuer.factories import create_learner, new_code, problem

pytestmark = pytest.mark.db

SHIPPED = {"GE-HOURS", "GE-LIFELONG", "GE-TCE", "AM-VOC", "AI-VOC", "AG-VOC"}


def draft_body(standard_id: str, occupation: str) -> dict[str, Any]:
    return {
        "standard_id": standard_id,
        "title_zh": "测试标准",
        "title_en": "Test standard",
        "domain": "AM",
        "rules": [
            {
                "id": "occ",
                "kind": "vocational_cert",
                "label_zh": occupation,
                "label_en": "Test occupation",
                "match": {"occupation_name": occupation},
                "method": "by_level",
                "levels": {"五级": 2, "四级": 4},
            }
        ],
    }


def test_shipped_documents_are_marked_as_defaults() -> None:
    docs = shipped_documents()
    assert {d.standard_id for d in docs} == SHIPPED
    assert all(d.defaults for d in docs)


def test_shipped_standards_are_effective_after_migration(client: TestClient) -> None:
    listed = client.get("/standards").json()
    effective = {s["standard_id"] for s in listed if s["status"] == "effective"}
    assert effective >= SHIPPED
    one = client.get("/standards/AM-VOC/versions/1").json()
    assert one["ref"] == "AM-VOC@1"
    names = {rule["label_zh"] for rule in one["document"]["rules"]}
    assert "工业机器人系统运维员职业技能等级证书" in names


def test_every_shipped_document_is_stored_by_a_migration(engine: Engine) -> None:
    """A new or changed TOML file needs a migration (or a committee decision) of its own."""
    with Session(engine) as session:
        for doc in shipped_documents():
            row = session.get(ConversionStandard, (doc.standard_id, doc.version))
            assert row is not None, f"{doc.standard_id}@{doc.version} is shipped but not migrated"
            assert row.document == doc.model_dump(mode="json"), f"{doc.standard_id} differs"


def test_unknown_version_is_not_found(client: TestClient) -> None:
    problem(client.get("/standards/AM-VOC/versions/99"), 404, "not_found")


def test_lifecycle_through_the_api_and_the_committee_hook(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    sid = f"TS-{uuid.uuid4().hex[:8].upper()}"
    occupation = f"测试工种{sid}"
    created = client.post("/standards", json=draft_body(sid, occupation), headers=admin)
    assert created.status_code == 201, created.text
    assert (created.json()["version"], created.json()["status"]) == (1, "draft")
    second = client.post("/standards", json=draft_body(sid, occupation), headers=admin).json()
    assert second["version"] == 2

    # Only drafts can be submitted, and only approved versions made effective.
    with Session(engine) as session, pytest.raises(StandardState):
        standards.mark_approved(session, sid, 1, approved_at=datetime.now(UTC))
    submitted = client.post(f"/standards/{sid}/versions/1/submit", headers=admin)
    assert submitted.json()["status"] == "under_review"
    problem(
        client.post(f"/standards/{sid}/versions/1/submit", headers=admin), 409, "standard_state"
    )

    learner = create_learner(client, inst_a["headers"])
    body = {
        "kind": "vocational_cert",
        "occupation_name": occupation,
        "occupation_code": "6-31-01-10",
        "level": "四级",
        "certifying_body": "测试鉴定中心",
        "completed_on": "2025-05-01",
    }

    def record() -> dict[str, Any]:
        body["certificate_number"] = f"C-{new_code('S')}"
        response = client.post(
            f"/learners/{learner['id']}/achievements", json=body, headers=inst_a["headers"]
        )
        assert response.status_code == 201, response.text
        return dict(response.json()["decision"])

    assert record()["rule"] == "no-rule"  # not effective yet
    with Session(engine) as session:
        standards.mark_approved(session, sid, 1, approved_at=datetime.now(UTC))
        standards.make_effective(session, sid, 1, on=date(2024, 1, 1))
        session.commit()
    assert record()["standard"] == f"{sid}@1"

    with Session(engine) as session:
        standards.submit_for_review(session, sid, 2)
        standards.mark_approved(session, sid, 2, approved_at=datetime.now(UTC))
        standards.make_effective(session, sid, 2, on=date(2024, 6, 1))
        session.commit()
        assert standards.get_version(session, sid, 1).status == "superseded"
    assert record()["standard"] == f"{sid}@2"


def test_drafts_need_the_admin(client: TestClient, inst_a: dict[str, Any]) -> None:
    body = draft_body("TS-NOPE", "x")
    problem(client.post("/standards", json=body), 401, "unauthenticated")
    problem(client.post("/standards", json=body, headers=inst_a["headers"]), 403, "forbidden")
    problem(client.post("/standards/AM-VOC/versions/1/submit"), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"standard_id": "bad id"}, "standard_id"),
        ({"domain": "XX"}, "domain"),
        ({"rules": []}, "rules"),
        ({"caps": {"per_year": -1}}, "caps.per_year"),
    ],
)
def test_invalid_draft_is_refused(
    client: TestClient, admin: dict[str, str], change: dict[str, Any], where: str
) -> None:
    body = {**draft_body("TS-BAD", "x"), **change}
    result = problem(client.post("/standards", json=body, headers=admin), 422, "invalid_request")
    assert where in result["detail"]


def test_rule_without_its_parameter_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    body = draft_body("TS-BAD", "x")
    del body["rules"][0]["levels"]
    result = problem(client.post("/standards", json=body, headers=admin), 422, "invalid_request")
    assert "needs its parameter" in result["detail"]
