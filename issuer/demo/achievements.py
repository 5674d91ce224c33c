"""Demo step for ``creditbank demo``: one achievement of every kind, through the HTTP API.

The lead's demo calls :func:`demo_step` after the learner exists. The certificate
numbers carry a suffix so the step can run more than once against one database.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from issuer.demo.story import DemoError

__all__ = ["DEMO_ACHIEVEMENTS", "demo_step"]

DEMO_ACHIEVEMENTS: tuple[dict[str, Any], ...] = (
    {
        "kind": "course",
        "title": "人工智能导论",
        "course_type": "theory",
        "hours": 32,
        "domain": "AI",
        "grade": "良好",
        "completed_on": "2026-06-30",
        "external_ref": "DEMO-KIND-COURSE",
    },
    {
        "kind": "vocational_cert",
        "occupation_name": "工业机器人系统运维员",
        "occupation_code": "6-31-01-10",
        "level": "四级",
        "certificate_number": "DEMO-VC-0001",
        "certifying_body": "示例职业技能鉴定中心",
        "completed_on": "2026-05-20",
        "external_ref": "DEMO-KIND-VOC",
    },
    {
        "kind": "one_plus_x",
        "certificate_name": "工业机器人操作与运维",
        "level": "中级",
        "certificate_number": "DEMO-1X-0001",
        "certifying_body": "示例培训评价组织",
        "completed_on": "2026-04-10",
        "external_ref": "DEMO-KIND-1X",
    },
    {
        "kind": "training",
        "hours": 40,
        "provider": "示例职业培训学校",
        "completed_on": "2026-03-01",
        "external_ref": "DEMO-KIND-TRAIN",
    },
    {
        "kind": "work_experience",
        "occupation_name": "工业机器人系统操作员",
        "months": 18,
        "employer": "示例智能装备有限公司",
        "attestation": "人力资源部在职证明 2026-031",
        "completed_on": "2026-02-28",
        "external_ref": "DEMO-KIND-WORK",
    },
    {
        "kind": "award",
        "competition": "全国职业院校技能大赛（示例）",
        "level": "provincial",
        "rank": "first",
        "organiser": "示例大赛组委会",
        "completed_on": "2026-05-01",
        "external_ref": "DEMO-KIND-AWARD",
    },
    {
        "kind": "online_course",
        "title": "机器学习基础（在线）",
        "platform": "示例在线学习平台",
        "hours": 48,
        "assessment_passed": True,
        "domain": "AI",
        "completed_on": "2026-01-15",
        "external_ref": "DEMO-KIND-ONLINE",
    },
)


def demo_step(
    client: TestClient, institution_headers: dict[str, str], learner_id: int
) -> list[dict[str, Any]]:
    """Record every demo achievement for ``learner_id``; returns the API responses.

    Raises :class:`~issuer.demo.story.DemoError` naming the kind when the service refuses one.
    """
    results = []
    for body in DEMO_ACHIEVEMENTS:
        response = client.post(
            f"/learners/{learner_id}/achievements", json=body, headers=institution_headers
        )
        if response.status_code != 201:
            raise DemoError(f"demo {body['kind']}: {response.status_code} {response.text}")
        results.append(response.json())
    return results
