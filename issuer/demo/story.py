"""The demo story, run in-process through the real HTTP API.

An institution is registered, a learner opens an account, the institution records
two courses (one theory, one practice), the general hours rule turns them into
credits, and the credit bank issues one signed QR credential over both deposits.
``creditbank demo`` writes the results to files; ``creditbank seed-demo`` runs the
same story into the installation's own database for ``make run``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from issuer.app import create_app
from issuer.core.national_id import check_digit
from issuer.core.settings import Settings

#: A fictitious learner with a well-formed resident ID (check digit computed, not real).
DEMO_ID_BODY = "41010219900307123"
DEMO_NATIONAL_ID = DEMO_ID_BODY + check_digit(DEMO_ID_BODY)
DEMO_INSTITUTION = {
    "code": "ZZIM",
    "name_zh": "郑州智能制造职业学院（示例）",
    "name_en": "Zhengzhou Institute of Intelligent Manufacturing (demo)",
    "kind": "vocational_school",
}
#: The demo learner's portal password: development demo data only.
DEMO_PASSWORD = "demo-learner-password"  # noqa: S105 - printed by the demo on purpose
DEMO_LEARNER = {"name": "张晓明", "national_id": DEMO_NATIONAL_ID, "password": DEMO_PASSWORD}
DEMO_COURSES = (
    {
        "title": "工业机器人编程基础",
        "course_type": "theory",
        "hours": 48,
        "domain": "AM",
        "completed_on": "2026-06-30",
        "grade": "优秀",
        "external_ref": "DEMO-AM-101",
    },
    {
        "title": "智能产线运维实训",
        "course_type": "practice",
        "hours": 80,
        "domain": "AM",
        "completed_on": "2026-07-15",
        "grade": "良好",
        "external_ref": "DEMO-AM-102",
    },
)


class DemoError(RuntimeError):
    """A step of the demo story was refused by the service."""


@dataclass(frozen=True)
class DemoResult:
    institution_id: int
    institution_api_key: str
    learner_id: int
    entry_ids: list[int]
    credential: dict[str, Any]
    account: dict[str, Any]
    #: What further steps (``run_story(extra=...)``) reported, by step name.
    extras: dict[str, Any] = field(default_factory=dict)


#: A further step of the story: given the in-process client, the admin headers and the
#: story so far, it does its part and returns a summary.
Step = Callable[[TestClient, dict[str, str], "DemoResult"], Any]


def ok(response: Any, step: str) -> dict[str, Any]:
    """The JSON body of a successful response, or :class:`DemoError` naming the step."""
    if response.status_code >= 300:
        raise DemoError(f"demo step {step!r} failed: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


def run_story(settings: Settings, extra: dict[str, Step] | None = None) -> DemoResult:
    """Run the story against a migrated database; returns what was created.

    ``extra`` names further steps run in order with the same client after the credential
    is issued; what each returns lands in ``DemoResult.extras`` under its name.
    """
    admin = {"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"}
    with TestClient(create_app(settings), base_url=settings.verify_base_url) as client:
        inst = ok(client.post("/institutions", json=DEMO_INSTITUTION, headers=admin), "institution")
        institution = {"Authorization": f"Bearer {inst['api_key']}"}
        learner = ok(client.post("/learners", json=DEMO_LEARNER, headers=institution), "learner")
        entry_ids = []
        for course in DEMO_COURSES:
            recorded = ok(
                client.post(f"/learners/{learner['id']}/courses", json=course, headers=institution),
                "course",
            )
            if recorded.get("entry"):
                entry_ids.append(int(recorded["entry"]["id"]))
        credential = ok(
            client.post(
                f"/learners/{learner['id']}/credentials",
                json={"entry_ids": entry_ids},
                headers=admin,
            ),
            "credential",
        )
        account = ok(client.get(f"/learners/{learner['id']}/account", headers=admin), "account")
        result = DemoResult(
            institution_id=int(inst["id"]),
            institution_api_key=str(inst["api_key"]),
            learner_id=int(learner["id"]),
            entry_ids=entry_ids,
            credential=credential,
            account=account,
        )
        for name, step in (extra or {}).items():
            result.extras[name] = step(client, admin, result)
    return result
