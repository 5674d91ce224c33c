"""Who may call what: anonymous, the operator, institution A and institution B."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.issuer.factories import course, create_learner, new_code, new_national_id

pytestmark = pytest.mark.db

ROLES = ["anonymous", "admin", "inst_a", "inst_b"]


@pytest.fixture()
def as_role(
    admin: dict[str, str], inst_a: dict[str, Any], inst_b: dict[str, Any]
) -> dict[str, dict[str, str]]:
    return {
        "anonymous": {},
        "admin": admin,
        "inst_a": inst_a["headers"],
        "inst_b": inst_b["headers"],
    }


@pytest.fixture()
def learner(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    return create_learner(client, admin)


EXPECTED: dict[str, dict[str, int]] = {
    "create_institution": {"anonymous": 401, "admin": 201, "inst_a": 403, "inst_b": 403},
    "create_learner": {"anonymous": 401, "admin": 201, "inst_a": 201, "inst_b": 201},
    "record_course": {"anonymous": 401, "admin": 403, "inst_a": 201, "inst_b": 201},
    "get_account": {"anonymous": 401, "admin": 200, "inst_a": 403, "inst_b": 403},
    "issue_credential": {"anonymous": 401, "admin": 201, "inst_a": 403, "inst_b": 403},
    "credential_qr": {"anonymous": 401, "admin": 200, "inst_a": 403, "inst_b": 403},
    "jwks": {"anonymous": 200, "admin": 200, "inst_a": 200, "inst_b": 200},
    "trust_bundle": {"anonymous": 200, "admin": 200, "inst_a": 200, "inst_b": 200},
    "healthz": {"anonymous": 200, "admin": 200, "inst_a": 200, "inst_b": 200},
}


def _call(
    operation: str,
    client: TestClient,
    headers: dict[str, str],
    learner: dict[str, Any],
    admin: dict[str, str],
    inst_a: dict[str, Any],
) -> int:
    lid = learner["id"]
    if operation == "create_institution":
        data = {
            "code": new_code("A"),
            "name_zh": "培训机构",
            "name_en": "Trainer",
            "kind": "training_body",
        }
        return client.post("/institutions", json=data, headers=headers).status_code
    if operation == "create_learner":
        data = {"name": "赵六", "national_id": new_national_id()}
        return client.post("/learners", json=data, headers=headers).status_code
    if operation == "record_course":
        return client.post(f"/learners/{lid}/courses", json=course(), headers=headers).status_code
    if operation == "get_account":
        return client.get(f"/learners/{lid}/account", headers=headers).status_code
    recorded = client.post(f"/learners/{lid}/courses", json=course(), headers=inst_a["headers"])
    entry_id = recorded.json()["entry"]["id"]
    if operation == "issue_credential":
        return client.post(
            f"/learners/{lid}/credentials", json={"entry_ids": [entry_id]}, headers=headers
        ).status_code
    if operation == "credential_qr":
        issued = client.post(
            f"/learners/{lid}/credentials", json={"entry_ids": [entry_id]}, headers=admin
        ).json()
        return client.get(f"/credentials/{issued['jti']}/qr.png", headers=headers).status_code
    path = {
        "jwks": "/.well-known/jwks.json",
        "trust_bundle": "/trust-bundle",
        "healthz": "/healthz",
    }[operation]
    return client.get(path, headers=headers).status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(EXPECTED))
def test_auth_matrix(
    operation: str,
    role: str,
    client: TestClient,
    as_role: dict[str, dict[str, str]],
    learner: dict[str, Any],
    admin: dict[str, str],
    inst_a: dict[str, Any],
) -> None:
    status = _call(operation, client, as_role[role], learner, admin, inst_a)
    assert status == EXPECTED[operation][role]


def test_course_belongs_to_the_calling_institution(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    learner: dict[str, Any],
) -> None:
    path = f"/learners/{learner['id']}/courses"
    by_a = client.post(path, json=course(), headers=inst_a["headers"]).json()
    by_b = client.post(path, json=course(), headers=inst_b["headers"]).json()
    assert by_a["achievement"]["institution_id"] == inst_a["id"]
    assert by_b["achievement"]["institution_id"] == inst_b["id"]


def test_api_key_is_stored_only_as_a_hash(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    assert inst_a["api_key"].startswith("cbk_")
    assert "api_key" not in client.get("/trust-bundle").text
    assert inst_a["api_key"] not in client.get("/trust-bundle").text
