"""Where transferred credits went: exemptions (免修), the learner's view, the bank's records."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.issuer.factories import learner_headers, problem, with_consent
from tests.issuer.test_certificate import issue_credential

pytestmark = pytest.mark.db


def _transfer(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    university: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    learner, cred = issue_credential(client, admin, inst_a, titles=("数控加工", "机械制图"))
    body = with_consent(client, admin, learner, university, {"items": [{"jti": cred["jti"]}]})
    response = client.post("/transfers", json=body, headers=university["headers"])
    assert response.status_code == 201, response.text
    return learner, cred, response.json()


def test_exemptions_are_shown_to_the_learner(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], inst_b: dict[str, Any]
) -> None:
    learner, cred, transfer = _transfer(client, admin, inst_a, inst_b)
    path = f"/transfers/{transfer['id']}/exemptions"
    body = {
        "exemptions": [
            {
                "course_code": "ME101",
                "course_name": "机械制造基础",
                "jti": cred["jti"],
                "position": 0,
            },
            {"course_code": "ME102", "course_name": "工程制图", "jti": cred["jti"], "position": 1},
        ]
    }
    response = client.post(path, json=body, headers=inst_b["headers"])
    assert response.status_code == 201, response.text
    assert [(e["course_code"], e["title"]) for e in response.json()] == [
        ("ME101", "数控加工"),
        ("ME102", "机械制图"),
    ]
    mine = client.get(
        f"/learners/{learner['id']}/transfers", headers=learner_headers(client, admin, learner)
    )
    assert mine.status_code == 200, mine.text
    [seen] = mine.json()
    assert seen["institution"] == inst_b["code"] and seen["consent"] == "application"
    assert seen["programme"] == "机械工程 专升本"
    assert [[x["course_name"] for x in i["exemptions"]] for i in seen["items"]] == [
        ["机械制造基础"],
        ["工程制图"],
    ]
    # Each course once; only the transfer's own entries; only its own institution.
    again = {"exemptions": [body["exemptions"][0]]}
    problem(client.post(path, json=again, headers=inst_b["headers"]), 409, "exemption_exists")
    # One entry exempts one course: entry 0 covers ME101 already.
    reused = {"exemptions": [{**body["exemptions"][0], "course_code": "ME103"}]}
    detail = problem(
        client.post(path, json=reused, headers=inst_b["headers"]), 409, "exemption_exists"
    )
    assert "ME101" in detail["detail"]
    stray = {"exemptions": [{**body["exemptions"][0], "course_code": "X1", "position": 7}]}
    problem(client.post(path, json=stray, headers=inst_b["headers"]), 422, "invalid_request")
    problem(client.post(path, json=again, headers=inst_a["headers"]), 404, "not_found")
    problem(
        client.get(f"/learners/{learner['id']}/transfers", headers=inst_b["headers"]),
        403,
        "forbidden",
    )


def test_transfer_records_name_only_the_callers_own(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], inst_b: dict[str, Any]
) -> None:
    _, cred, transfer = _transfer(client, admin, inst_a, inst_b)
    query = {"jti": [cred["jti"], "unknown-jti"]}
    own = client.get("/transfers/records", params=query, headers=inst_b["headers"])
    assert own.status_code == 200, own.text
    records = own.json()["records"]
    assert [(r["position"], r["here"], r["institution"]) for r in records] == [
        (0, True, inst_b["code"]),
        (1, True, inst_b["code"]),
    ]
    assert records[0]["transfer_id"] == transfer["id"] and records[0]["recorded_at"]
    assert own.json()["unknown"] == ["unknown-jti"]
    theirs = client.get("/transfers/records", params=query, headers=inst_a["headers"]).json()
    assert [(r["recorded"], r["elsewhere"], r["institution"]) for r in theirs["records"]] == [
        (True, True, None),
        (True, True, None),
    ]
    problem(client.get("/transfers/records", params=query, headers=admin), 403, "forbidden")
