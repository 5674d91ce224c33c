"""The standards lifecycle over HTTP: draft from a version, date, diff, preview, approval
in force on its date, rejection back to draft; and quality-review cases opened unasked."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.issuer.committee_factories import panel, trio
from tests.issuer.factories import create_learner, new_code, problem
from tests.issuer.test_standards import draft_body

pytestmark = pytest.mark.db


def _vote_all(client: TestClient, case_id: int, members: list[dict[str, Any]], **vote: Any) -> Any:
    body = None
    for who in members:
        response = client.post(
            f"/committee/cases/{case_id}/votes", json=vote, headers=who["headers"]
        )
        assert response.status_code == 201, response.text
        body = response.json()
    return body


def _review(client: TestClient, admin: dict[str, str], sid: str, version: int) -> int:
    response = client.post(
        f"/committee/standards/{sid}/versions/{version}/review", json={}, headers=admin
    )
    assert response.status_code == 201, response.text
    case_id: int = response.json()["id"]
    return case_id


def _shown(client: TestClient, sid: str, version: int) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/standards/{sid}/versions/{version}").json()
    return body


def _sample(occupation: str, level: str = "四级") -> dict[str, Any]:
    return {
        "kind": "vocational_cert",
        "occupation_name": occupation,
        "occupation_code": "6-31-01-10",
        "level": level,
        "certifying_body": "测试鉴定中心",
        "certificate_number": f"C-{new_code('P')}",
        "completed_on": "2025-05-01",
    }


@pytest.fixture()
def board(client: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    members = trio(client, admin)
    panel(client, admin, "standards", members)
    return members


def test_rejection_returns_to_draft_with_the_reasons(
    client: TestClient, admin: dict[str, str], board: list[dict[str, Any]]
) -> None:
    sid = f"TS-{uuid.uuid4().hex[:8].upper()}"
    client.post("/standards", json=draft_body(sid, f"工种{sid}"), headers=admin)
    case_id = _review(client, admin, sid, 1)
    _vote_all(client, case_id, board, choice="reject", comment="四级学分过高 / level 4 too high")
    shown = _shown(client, sid, 1)
    assert shown["status"] == "draft"
    assert "四级学分过高 / level 4 too high" in shown["review_notes"]
    (decided,) = client.get(
        "/audit", params={"subject": f"standard:{sid}@1", "action": "case.reject"}, headers=admin
    ).json()["items"]
    assert "level 4 too high" in decided["reason"] and decided["case"] == f"case:{case_id}"
    # Amended and submitted again: a new case, and this time approved.
    again = _review(client, admin, sid, 1)
    assert again != case_id
    _vote_all(client, again, board, choice="approve")
    assert _shown(client, sid, 1)["status"] == "effective"


def test_approval_takes_effect_on_its_date_and_supersedes(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    board: list[dict[str, Any]],
) -> None:
    sid = f"TS-{uuid.uuid4().hex[:8].upper()}"
    occupation = f"工种{sid}"
    client.post("/standards", json=draft_body(sid, occupation), headers=admin)
    _vote_all(client, _review(client, admin, sid, 1), board, choice="approve")
    first = _shown(client, sid, 1)
    assert first["status"] == "effective"
    assert first["effective_from"] == datetime.now(UTC).date().isoformat()

    # The next version, copied from the one in force with level 4 raised, dated tomorrow.
    rules = first["document"]["rules"]
    rules[0]["levels"]["四级"] = 6
    drafted = client.post(
        f"/standards/{sid}/versions/1/draft", json={"rules": rules}, headers=admin
    )
    assert drafted.status_code == 201, drafted.text
    assert (drafted.json()["version"], drafted.json()["status"]) == (2, "draft")
    assert drafted.json()["effective_from"] is None

    diff = client.get(f"/standards/{sid}/versions/2/diff").json()
    assert diff["against"] == f"{sid}@1"
    assert diff["operations"] == [{"op": "replace", "path": "/rules/0/levels/四级", "value": 6}]

    preview = client.post(
        f"/standards/{sid}/versions/2/preview",
        json={"samples": [_sample(occupation), _sample(occupation, "五级")]},
        headers=admin,
    )
    assert preview.status_code == 200, preview.text
    rows = preview.json()
    assert [(r["current"]["half_credits"], r["proposed"]["half_credits"]) for r in rows] == [
        (4, 6),
        (2, 2),
    ]
    assert [r["changed"] for r in rows] == [True, False]
    assert rows[0]["proposed"]["standard"] == f"{sid}@2"

    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    dated = client.put(
        f"/standards/{sid}/versions/2/effective-from",
        json={"effective_from": tomorrow.isoformat()},
        headers=admin,
    )
    assert dated.status_code == 200, dated.text
    _vote_all(client, _review(client, admin, sid, 2), board, choice="approve")
    assert _shown(client, sid, 2)["status"] == "approved"  # approved, not yet in force
    assert _shown(client, sid, 1)["status"] == "effective"

    learner = create_learner(client, inst_a["headers"])
    recorded = client.post(
        f"/learners/{learner['id']}/achievements",
        json=_sample(occupation),
        headers=inst_a["headers"],
    ).json()
    assert recorded["decision"]["standard"] == f"{sid}@1"

    # Its day comes: moving the date to today puts it in force without a Python call.
    today = datetime.now(UTC).date().isoformat()
    moved = client.put(
        f"/standards/{sid}/versions/2/effective-from",
        json={"effective_from": today},
        headers=admin,
    )
    assert moved.json()["status"] == "effective"
    assert _shown(client, sid, 1)["status"] == "superseded"
    recorded = client.post(
        f"/learners/{learner['id']}/achievements",
        json=_sample(occupation),
        headers=inst_a["headers"],
    ).json()
    assert recorded["decision"]["standard"] == f"{sid}@2"
    assert recorded["decision"]["half_credits"] == 6

    # An effective version's date is fixed.
    problem(
        client.put(
            f"/standards/{sid}/versions/2/effective-from",
            json={"effective_from": "2030-01-01"},
            headers=admin,
        ),
        409,
        "standard_state",
    )
    actions = [
        e["action"]
        for e in client.get(
            "/audit", params={"subject": f"standard:{sid}@2"}, headers=admin
        ).json()["items"]
    ]
    assert actions[:2] == ["standard.draft", "standard.effective_from"]
    assert "case.approve" in actions


def test_lifecycle_endpoints_need_the_operator(client: TestClient, inst_a: dict[str, Any]) -> None:
    for method, path, body in (
        ("post", "/standards/AM-VOC/versions/1/draft", {}),
        ("put", "/standards/AM-VOC/versions/1/effective-from", {"effective_from": "2030-01-01"}),
        ("post", "/standards/AM-VOC/versions/1/preview", {"samples": [_sample("x")]}),
    ):
        response = client.request(method, path, json=body, headers=inst_a["headers"])
        problem(response, 403, "forbidden")
    problem(client.get("/standards/AM-VOC/versions/99/diff"), 404, "not_found")


def test_a_held_recognition_goes_to_the_review_panel_unasked(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    members = trio(client, admin)
    reviewers = panel(client, admin, "review", members)
    learner = create_learner(client, inst_a["headers"])
    body = {
        "kind": "work_experience",
        "occupation_name": "农业经理人",
        "months": 24,
        "employer": "某农业合作社",
        "attestation": "合作社证明 2025-017",
        "completed_on": date(2025, 1, 31).isoformat(),
    }
    response = client.post(
        f"/learners/{learner['id']}/achievements", json=body, headers=inst_a["headers"]
    )
    assert response.status_code == 201, response.text
    recognition = response.json()["recognition"]
    if recognition["status"] != "pending_review":
        pytest.fail(f"work experience should wait for review: {recognition}")
    subject = f"recognition:{recognition['id']}"
    cases = client.get("/committee/cases", params={"status": "open", "limit": 200}, headers=admin)
    (case,) = [c for c in cases.json()["items"] if c["subject"] == subject]
    assert case["panel_id"] == reviewers["id"]
    (opened,) = client.get(
        "/audit", params={"subject": subject, "action": "case.open"}, headers=admin
    ).json()["items"]
    assert opened["actor"] == f"institution:{inst_a['code']}"
    # Opening it by hand again is refused: one open case per subject.
    problem(
        client.post(f"/committee/recognitions/{recognition['id']}/review", json={}, headers=admin),
        409,
        "conflict",
    )


def test_a_draft_is_edited_over_the_api_as_in_the_editor(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    made = client.post("/standards/AM-VOC/versions/1/draft", json={}, headers=admin)
    assert made.status_code == 201, made.text
    version = made.json()["version"]
    path = f"/standards/AM-VOC/versions/{version}"
    rules = made.json()["document"]["rules"]
    assert len(rules) >= 2

    edited = client.patch(path, json={"rules": rules[:-1]}, headers=admin)
    assert edited.status_code == 200, edited.text
    assert [r["id"] for r in edited.json()["document"]["rules"]] == [r["id"] for r in rules[:-1]]
    assert _shown(client, "AM-VOC", version)["document"]["rules"] == rules[:-1]

    twin = {**rules[0], "id": f"{rules[0]['id']}-twin"}
    problem(
        client.patch(path, json={"rules": [rules[0], twin]}, headers=admin),
        422,
        "standard_contradiction",
    )
    problem(client.patch(path, json={"rules": "none"}, headers=admin), 422, "invalid_request")
    problem(client.patch(path, json={"version": 7}, headers=admin), 422, "invalid_request")
    problem(client.patch(path, json={"rules": rules}, headers=inst_a["headers"]), 403, "forbidden")
    problem(
        client.patch("/standards/AM-VOC/versions/1", json={"rules": rules}, headers=admin),
        409,
        "standard_state",
    )
    # Nothing of the refused edits stayed.
    assert _shown(client, "AM-VOC", version)["document"]["rules"] == rules[:-1]
