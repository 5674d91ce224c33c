"""Factories of the committee, dispute and qualification tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.models import Achievement, Recognition
from tests.issuer.factories import course, new_national_id

PASSWORD = "correct horse battery"


def signed_in_learner(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    """A learner with a password, and ``headers`` carrying their bearer token."""
    response = client.post(
        "/learners",
        json={"name": "李四", "national_id": new_national_id(), "password": PASSWORD},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    learner: dict[str, Any] = response.json()
    token = client.post("/auth/token", json={"learner_id": learner["id"], "password": PASSWORD})
    assert token.status_code == 200, token.text
    learner["headers"] = {"Authorization": f"Bearer {token.json()['access_token']}"}
    return learner


def member(
    client: TestClient,
    admin: dict[str, str],
    category: str,
    *,
    institution_id: int | None = None,
    affiliation: str | None = None,
) -> dict[str, Any]:
    response = client.post(
        "/committee/members",
        json={
            "name": f"委员-{category}",
            "category": category,
            "affiliation_institution_id": institution_id,
            "affiliation": affiliation,
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    body["headers"] = {"Authorization": f"Bearer {body['token']}"}
    return body


def panel(
    client: TestClient,
    admin: dict[str, str],
    purpose: str,
    members: list[dict[str, Any]],
    **rule: Any,
) -> dict[str, Any]:
    response = client.post(
        "/committee/panels",
        json={
            "name": f"{purpose} panel",
            "purpose": purpose,
            "member_ids": [m["id"] for m in members],
            **rule,
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def trio(
    client: TestClient, admin: dict[str, str], *, institution_id: int | None = None
) -> list[dict[str, Any]]:
    """Three members: education (affiliated with ``institution_id``), industry, enterprise."""
    return [
        member(client, admin, "education", institution_id=institution_id),
        member(client, admin, "industry", affiliation="中国机械工业联合会"),
        member(client, admin, "enterprise", affiliation="示范智能装备有限公司"),
    ]


def deposit(
    client: TestClient, inst: dict[str, Any], learner_id: int, **overrides: Any
) -> dict[str, Any]:
    """Record a course for the learner and return its ledger entry."""
    response = client.post(
        f"/learners/{learner_id}/courses", json=course(**overrides), headers=inst["headers"]
    )
    assert response.status_code == 201, response.text
    entry: dict[str, Any] = response.json()["entry"]
    return entry


def pending_recognition(engine: Engine, inst: dict[str, Any], learner_id: int) -> int:
    """A recognition awaiting quality review, on a work experience recorded by ``inst``.

    Written directly: the quality-review workflow starts from such a row, whichever way
    the recording side produced it.
    """
    with Session(engine) as session:
        achievement = Achievement(
            learner_id=learner_id,
            institution_id=inst["id"],
            kind="work_experience",
            title="工业机器人系统运维工作经历",
            domain="AM",
            completed_on=date(2025, 6, 30),
        )
        session.add(achievement)
        session.flush()
        assert achievement.id is not None
        row = Recognition(
            achievement_id=achievement.id,
            learner_id=learner_id,
            status="pending_review",
            kind="work_experience",
            source=str(inst["code"]),
            year=2025,
            domain="AM",
            half_credits=24,
            standard="AM-VOC@1",
            rule="work-experience",
            explanation_zh="工作经历 24 个月",
            explanation_en="24 months of work experience",
        )
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id
