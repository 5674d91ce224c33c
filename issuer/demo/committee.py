"""The committee part of ``creditbank demo``: approval, dispute, redemption, over the real API.

:func:`demo_step` walks, in-process through the HTTP API: three committee members
(education, industry, enterprise) and their panels; a new version of a conversion standard
approved by quorum; a dispute over one of the demo learner's decisions that the panel
decides ``modified`` (a ledger adjustment, credentials over the entry revoked); and a
redemption of credits toward a qualification, refused the second time.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from issuer.demo.story import DEMO_PASSWORD

__all__ = ["COMMITTEE_MEMBERS", "DEMO_PASSWORD", "demo_step"]

_PATHWAY = "AM-ASSOC"
#: The demo committee: one member of each category (education, industry, enterprise).
COMMITTEE_MEMBERS = [
    {"name": "王教授", "category": "education", "affiliation": "示范职业技术大学"},
    {"name": "李工程师", "category": "industry", "affiliation": "中国机械工业联合会"},
    {"name": "张经理", "category": "enterprise", "affiliation": "示范智能装备有限公司"},
]
_PARTNER = {
    "name_zh": "示范开放大学",
    "name_en": "Demo Open University",
    "kind": "university",
}


def _ok(response: Any, what: str) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(f"demo step '{what}' failed: {response.status_code} {response.text}")
    return response.json() if response.content else None


def _committee(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    members = []
    for spec in COMMITTEE_MEMBERS:
        created = _ok(client.post("/committee/members", json=spec, headers=admin), "member")
        created["headers"] = {"Authorization": f"Bearer {created.pop('token')}"}
        members.append(created)
    ids = [m["id"] for m in members]
    for purpose in ("standards", "review", "disputes"):
        body = {"name": f"demo {purpose} panel", "purpose": purpose, "member_ids": ids}
        _ok(client.post("/committee/panels", json=body, headers=admin), "panel")
    return members


def _vote_all(
    client: TestClient, case_id: int, members: list[dict[str, Any]], vote: dict[str, Any]
) -> dict[str, Any]:
    case: dict[str, Any] = {}
    for member in members:
        case = _ok(
            client.post(f"/committee/cases/{case_id}/votes", json=vote, headers=member["headers"]),
            "vote",
        )
    return case


def _approve_standard(
    client: TestClient, admin: dict[str, str], members: list[dict[str, Any]]
) -> str:
    current = _ok(client.get("/standards"), "standards")[0]
    document = {k: v for k, v in current["document"].items() if k != "version"}
    draft = _ok(client.post("/standards", json=document, headers=admin), "standard draft")
    ref = f"{draft['standard_id']}/versions/{draft['version']}"
    case = _ok(client.post(f"/committee/standards/{ref}/review", json={}, headers=admin), "review")
    decided = _vote_all(client, case["id"], members, {"choice": "approve"})
    shown = _ok(client.get(f"/standards/{ref}"), "standard")
    return f"{draft['standard_id']}@{draft['version']}: {decided['status']} → {shown['status']}"


def _top_up(client: TestClient, admin: dict[str, str], learner_id: int) -> int:
    """Courses from a partner university until the learner qualifies (bounded)."""
    body = {**_PARTNER, "code": f"DEMO-OU-{learner_id}"}
    partner = _ok(client.post("/institutions", json=body, headers=admin), "partner")
    headers = {"Authorization": f"Bearer {partner['api_key']}"}
    recorded = 0
    for n in range(60):
        progress = {
            p["pathway_id"]: p
            for p in _ok(client.get(f"/learners/{learner_id}/qualifications", headers=admin), "p")
        }[_PATHWAY]
        if progress["eligible"]:
            break
        short = {r["domain"] for r in progress["requirements"] if not r["met"]}
        domain = "GE" if "GE" in short else "AM"
        course = {
            "title": f"{'通识' if domain == 'GE' else '智能制造'}课程 {n + 1}",
            "course_type": "theory",
            "hours": 64,
            "domain": domain,
            "completed_on": f"{2018 + n % 7}-06-30",
            "external_ref": f"DEMO-{n + 1}",
        }
        _ok(client.post(f"/learners/{learner_id}/courses", json=course, headers=headers), "course")
        recorded += 1
    return recorded


def demo_step(
    client: TestClient, admin: dict[str, str], learner_id: int, institution_id: int
) -> dict[str, Any]:
    """Walk the committee, dispute and qualification story; return a summary.

    ``client`` is an in-process TestClient of the app, ``admin`` the operator's headers,
    ``learner_id`` a demo learner with at least one deposit, ``institution_id`` the
    institution that recorded it. Gives the learner the password :data:`DEMO_PASSWORD`.
    """
    members = _committee(client, admin)
    approved = _approve_standard(client, admin, members)

    _ok(
        client.put(
            f"/learners/{learner_id}/password", json={"password": DEMO_PASSWORD}, headers=admin
        ),
        "password",
    )
    token = _ok(
        client.post("/auth/token", json={"learner_id": learner_id, "password": DEMO_PASSWORD}),
        "sign-in",
    )
    learner = {"Authorization": f"Bearer {token['access_token']}"}
    account = _ok(client.get(f"/learners/{learner_id}/account", headers=learner), "account")
    entry = next(e for e in reversed(account["entries"]) if e["kind"] == "deposit")
    dispute = _ok(
        client.post(
            f"/learners/{learner_id}/disputes",
            json={
                "ledger_entry_id": entry["id"],
                "grounds": "实践课时漏记 16 学时 / 16 practice hours were not recorded",
            },
            headers=learner,
        ),
        "dispute",
    )
    new_half = entry["half_credits"] + 2
    decided = _vote_all(
        client, dispute["case"]["id"], members, {"choice": "modified", "half_credits": new_half}
    )
    after = _ok(client.get(f"/learners/{learner_id}/account", headers=learner), "account")

    courses = _top_up(client, admin, learner_id)
    path = f"/learners/{learner_id}/qualifications/{_PATHWAY}/redemptions"
    redemption = _ok(client.post(path, headers=learner), "redemption")
    again = client.post(path, headers=learner)
    return {
        "committee_members": [f"{m['name']} ({m['category']})" for m in members],
        "standard_approved": approved,
        "dispute": {
            "id": dispute["id"],
            "entry": entry["id"],
            "outcome": decided["status"],
            "credits": f"{entry['half_credits'] / 2:g} → {new_half / 2:g}",
            "correction": after["entries"][-1]["kind"],
        },
        "redemption": {
            "pathway": _PATHWAY,
            "credits": redemption["credits"],
            "courses_added": courses,
            "statement_chars": len(redemption["statement"]),
            "second_attempt": again.json().get("code"),
        },
        "institution_id": institution_id,
    }
