"""POST /learners/{id}/achievements: every kind, evidence validation, review hold, duplicates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.bank import ledger
from issuer.conversion import recognitions
from issuer.conversion.engine import Facts
from issuer.core.errors import RecognitionDecided
from tests.issuer.factories import create_learner, new_code, problem, row_counts

pytestmark = pytest.mark.db


def cert_no() -> str:
    return f"CERT-{new_code('N')}"


def kinds() -> dict[str, dict[str, Any]]:
    """One valid body of each kind, with fresh certificate numbers."""
    return {
        "course": {
            "kind": "course",
            "title": "工业机器人编程",
            "course_type": "theory",
            "hours": 48,
            "domain": "AM",
            "grade": "良好",
            "completed_on": "2025-06-30",
        },
        "vocational_cert": {
            "kind": "vocational_cert",
            "occupation_name": "工业机器人系统运维员",
            "occupation_code": "6-31-01-10",
            "level": "四级",
            "certificate_number": cert_no(),
            "certifying_body": "某市职业技能鉴定中心",
            "completed_on": "2025-05-10",
        },
        "one_plus_x": {
            "kind": "one_plus_x",
            "certificate_name": "人工智能深度学习工程应用",
            "level": "中级",
            "certificate_number": cert_no(),
            "certifying_body": "某培训评价组织",
            "completed_on": "2025-03-01",
        },
        "training": {
            "kind": "training",
            "hours": 40,
            "provider": "某职业培训学校",
            "completed_on": "2025-04-01",
        },
        "work_experience": {
            "kind": "work_experience",
            "occupation_name": "农业经理人",
            "months": 24,
            "employer": "某农业合作社",
            "attestation": "合作社证明 2025-017",
            "completed_on": "2025-01-31",
        },
        "award": {
            "kind": "award",
            "competition": "全国职业院校技能大赛",
            "level": "national",
            "rank": "second",
            "organiser": "大赛组委会",
            "completed_on": "2025-06-01",
        },
        "online_course": {
            "kind": "online_course",
            "title": "机器学习导论",
            "platform": "某在线课程平台",
            "hours": 48,
            "assessment_passed": True,
            "domain": "AI",
            "completed_on": "2025-02-01",
        },
    }


EXPECTED = {
    # kind: (half_credits, standard, rule, status, domain)
    "course": (6, "GE-HOURS@1", "theory-16h", "recognised", "AM"),
    "vocational_cert": (8, "AM-VOC@1", "robot-ops", "recognised", "AM"),
    "one_plus_x": (8, "AI-VOC@1", "x-deep-learning", "recognised", "AI"),
    "training": (4, "GE-LIFELONG@1", "training-20h", "recognised", "GE"),
    "work_experience": (8, "GE-LIFELONG@1", "work-6m", "pending_review", "GE"),
    "award": (8, "GE-LIFELONG@1", "award-national", "recognised", "GE"),
    "online_course": (4, "GE-LIFELONG@1", "online-passed-24h", "recognised", "AI"),
}


def post(client: TestClient, inst: dict[str, Any], learner_id: int, body: dict[str, Any]) -> Any:
    return client.post(f"/learners/{learner_id}/achievements", json=body, headers=inst["headers"])


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_kind_is_recorded_and_decided(
    client: TestClient, inst_a: dict[str, Any], kind: str
) -> None:
    learner = create_learner(client, inst_a["headers"])
    response = post(client, inst_a, learner["id"], kinds()[kind])
    assert response.status_code == 201, response.text
    body = response.json()
    half, standard, rule, status, domain = EXPECTED[kind]
    assert body["achievement"]["kind"] == kind
    assert body["achievement"]["domain"] == domain
    assert body["decision"]["half_credits"] == half
    assert body["decision"]["standard"] == standard
    assert body["decision"]["rule"] == rule
    assert standard in body["decision"]["explanation_en"]
    assert "学分" in body["decision"]["explanation_zh"]
    assert body["recognition"]["status"] == status
    if status == "recognised":
        assert body["entry"]["half_credits"] == half
        assert body["entry"]["kind"] == "deposit"
        assert body["recognition"]["ledger_entry_id"] == body["entry"]["id"]
    else:
        assert body["entry"] is None


def test_same_certificate_cannot_be_deposited_twice_in_any_account(
    client: TestClient, inst_a: dict[str, Any], inst_b: dict[str, Any], engine: Engine
) -> None:
    body = kinds()["vocational_cert"]
    first = create_learner(client, inst_a["headers"])
    second = create_learner(client, inst_a["headers"])
    assert post(client, inst_a, first["id"], body).status_code == 201
    before = row_counts(engine)
    problem(post(client, inst_b, second["id"], body), 409, "duplicate_certificate")
    problem(post(client, inst_a, first["id"], body), 409, "duplicate_certificate")
    assert row_counts(engine) == before


def test_same_number_from_another_body_is_a_different_certificate(
    client: TestClient, inst_a: dict[str, Any]
) -> None:
    learner = create_learner(client, inst_a["headers"])
    body = kinds()["vocational_cert"]
    assert post(client, inst_a, learner["id"], body).status_code == 201
    other = {**body, "certifying_body": "另一鉴定机构"}
    assert post(client, inst_a, learner["id"], other).status_code == 201


def test_external_ref_is_unique_per_institution(client: TestClient, inst_a: dict[str, Any]) -> None:
    learner = create_learner(client, inst_a["headers"])
    body = {**kinds()["training"], "external_ref": new_code("T")}
    assert post(client, inst_a, learner["id"], body).status_code == 201
    problem(post(client, inst_a, learner["id"], body), 409, "achievement_exists")


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("vocational_cert", {"level": "六级"}, "level"),
        ("vocational_cert", {"occupation_code": "631-01-10"}, "occupation_code"),
        ("vocational_cert", {"certificate_number": None}, "certificate_number"),
        ("one_plus_x", {"level": "四级"}, "level"),
        ("training", {"hours": 0}, "hours"),
        ("work_experience", {"attestation": ""}, "attestation"),
        ("award", {"rank": "fourth"}, "rank"),
        ("online_course", {"assessment_passed": None}, "assessment_passed"),
        ("course", {"grade": None}, "grade"),
        ("course", {"kind": "diploma"}, "kind"),
    ],
)
def test_invalid_evidence_is_refused_and_writes_nothing(
    client: TestClient,
    inst_a: dict[str, Any],
    engine: Engine,
    kind: str,
    change: dict[str, Any],
    field: str,
) -> None:
    learner = create_learner(client, inst_a["headers"])
    body = {**kinds()[kind], **change}
    body = {k: v for k, v in body.items() if v is not None}
    before = row_counts(engine)
    result = problem(post(client, inst_a, learner["id"], body), 422, "invalid_request")
    assert field in str(result.get("errors")) or field in result["detail"]
    assert row_counts(engine) == before


def test_only_institutions_record(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]
) -> None:
    learner = create_learner(client, inst_a["headers"])
    url = f"/learners/{learner['id']}/achievements"
    problem(client.post(url, json=kinds()["training"]), 401, "unauthenticated")
    problem(client.post(url, json=kinds()["training"], headers=admin), 403, "forbidden")


def test_unknown_learner_is_not_found(client: TestClient, inst_a: dict[str, Any]) -> None:
    problem(post(client, inst_a, 999_999, kinds()["training"]), 404, "not_found")


def test_failed_online_assessment_earns_nothing(client: TestClient, inst_a: dict[str, Any]) -> None:
    learner = create_learner(client, inst_a["headers"])
    body = {**kinds()["online_course"], "assessment_passed": False}
    result = post(client, inst_a, learner["id"], body).json()
    assert result["decision"]["half_credits"] == 0
    assert result["decision"]["rule"] == "no-rule"
    assert result["entry"] is None


def test_above_threshold_waits_then_approval_deposits(
    client: TestClient, inst_a: dict[str, Any], engine: Engine
) -> None:
    learner = create_learner(client, inst_a["headers"])
    body = {**kinds()["vocational_cert"], "level": "一级"}  # 24 half-credits > 20
    result = post(client, inst_a, learner["id"], body).json()
    assert result["recognition"]["status"] == "pending_review"
    assert result["entry"] is None
    rid = result["recognition"]["id"]
    with Session(engine) as session:
        assert ledger.entries(session, learner["id"]) == []
        entry = recognitions.approve(session, rid, decided_by="panel-1")
        session.commit()
        assert entry.half_credits == 24
        assert recognitions.get(session, rid).ledger_entry_id == entry.id
        with pytest.raises(RecognitionDecided) as info:
            recognitions.approve(session, rid, decided_by="panel-1")
        assert info.value.code == "recognition_decided"


def test_rejection_deposits_nothing_and_releases_the_caps(
    client: TestClient, inst_a: dict[str, Any], engine: Engine
) -> None:
    learner = create_learner(client, inst_a["headers"])
    result = post(client, inst_a, learner["id"], kinds()["work_experience"]).json()
    rid = result["recognition"]["id"]
    with Session(engine) as session:
        row = recognitions.get(session, rid)
        facts = Facts(row.kind, {}, date(row.year, 1, 1), row.source)
        used = recognitions.history(session, learner["id"], facts)
        assert sum(used.per_kind.values()) == row.half_credits > 0
        recognitions.reject(session, rid, reason="证明材料不足")
        session.commit()
        row = recognitions.get(session, rid)
        assert (row.status, row.ledger_entry_id, row.reason) == ("rejected", None, "证明材料不足")
        released = recognitions.history(session, learner["id"], facts)
        assert sum(released.per_kind.values()) == sum(released.per_year.values()) == 0
        assert ledger.entries(session, learner["id"]) == []
        with pytest.raises(RecognitionDecided):
            recognitions.reject(session, rid, reason="again")


def test_yearly_cap_is_applied_across_achievements(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]
) -> None:
    learner = create_learner(client, inst_a["headers"])
    # GE-LIFELONG: 8 half-credits per training at most, 20 a year, 16 per provider.
    got = []
    for n in range(3):
        body = {**kinds()["training"], "hours": 200, "provider": f"培训机构{n}"}
        got.append(post(client, inst_a, learner["id"], body).json())
    assert [r["decision"]["half_credits"] for r in got] == [8, 8, 4]
    assert got[2]["recognition"]["caps_applied"] == ["rule_max:8", "per_year:20"]
    account = client.get(f"/learners/{learner['id']}/account", headers=admin).json()
    assert account["balance_half_credits"] == 20


def test_courses_endpoint_is_unchanged(client: TestClient, inst_a: dict[str, Any]) -> None:
    learner = create_learner(client, inst_a["headers"])
    body = {k: v for k, v in kinds()["course"].items() if k != "kind"}
    via_courses = client.post(
        f"/learners/{learner['id']}/courses", json=body, headers=inst_a["headers"]
    ).json()
    via_achievements = post(client, inst_a, learner["id"], kinds()["course"]).json()
    for key in ("half_credits", "standard", "rule"):
        assert via_courses["decision"][key] == via_achievements["decision"][key]
    assert via_courses["achievement"]["kind"] == "course"


def test_demo_step_records_every_kind(client: TestClient, admin: dict[str, str]) -> None:
    from issuer.demo.achievements import demo_step
    from tests.issuer.factories import create_institution

    inst = create_institution(client, admin)
    learner = create_learner(client, inst["headers"])
    results = demo_step(client, inst["headers"], learner["id"])
    assert sorted(r["achievement"]["kind"] for r in results) == sorted(EXPECTED)
    with pytest.raises(RuntimeError, match="vocational_cert"):
        demo_step(client, create_institution(client, admin)["headers"], learner["id"])
