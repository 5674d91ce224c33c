"""One test per error code, each asserting the code, and that failures write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.bank import ledger
from tests.issuer.factories import (
    course,
    create_learner,
    new_code,
    new_national_id,
    problem,
    row_counts,
)

pytestmark = pytest.mark.db


def test_invalid_request_lists_field_errors_without_input(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    before = row_counts(engine)
    secret_id = new_national_id()
    response = client.post("/learners", json={"national_id": secret_id}, headers=admin)
    body = problem(response, 422, "invalid_request")
    assert any(err["loc"] == ["body", "name"] for err in body["errors"])
    assert secret_id not in response.text
    assert row_counts(engine) == before


def test_invalid_national_id(client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    before = row_counts(engine)
    bad = "11010519491231002Y"  # right shape, wrong check character
    response = client.post("/learners", json={"name": "李四", "national_id": bad}, headers=admin)
    body = problem(response, 422, "invalid_national_id")
    assert bad not in response.text
    assert body["detail"]
    assert row_counts(engine) == before


def test_learner_exists(client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    national_id = new_national_id()
    first = client.post(
        "/learners", json={"name": "王五", "national_id": national_id}, headers=admin
    )
    assert first.status_code == 201
    assert first.json()["national_id_masked"] == national_id[:4] + "*" * 10 + national_id[-4:]
    assert national_id not in first.text
    before = row_counts(engine)
    again = client.post(
        "/learners", json={"name": "王五", "national_id": national_id.lower()}, headers=admin
    )
    problem(again, 409, "learner_exists")
    assert national_id not in again.text
    assert row_counts(engine) == before


def test_institution_exists(client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    code = new_code("D")
    data = {
        "code": code,
        "name_zh": "某学院",
        "name_en": "Some College",
        "kind": "vocational_school",
    }
    assert client.post("/institutions", json=data, headers=admin).status_code == 201
    before = row_counts(engine)
    problem(client.post("/institutions", json=data, headers=admin), 409, "institution_exists")
    assert row_counts(engine) == before


def test_achievement_exists_per_institution(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
) -> None:
    learner = create_learner(client, admin)
    path = f"/learners/{learner['id']}/courses"
    ref = new_code("REF-")
    assert (
        client.post(path, json=course(external_ref=ref), headers=inst_a["headers"]).status_code
        == 201
    )
    before = row_counts(engine)
    problem(
        client.post(path, json=course(external_ref=ref), headers=inst_a["headers"]),
        409,
        "achievement_exists",
    )
    assert row_counts(engine) == before
    # Another institution's records have their own references.
    assert (
        client.post(path, json=course(external_ref=ref), headers=inst_b["headers"]).status_code
        == 201
    )


@pytest.mark.parametrize(
    "change",
    [
        {"hours": 0},
        {"hours": -16},
        {"course_type": "lab"},
        {"domain": "XX"},
        {"completed_on": "not a date"},
        {"title": ""},
    ],
)
def test_bad_course_writes_nothing(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    inst_a: dict[str, Any],
    change: dict[str, Any],
) -> None:
    learner = create_learner(client, admin)
    before = row_counts(engine)
    response = client.post(
        f"/learners/{learner['id']}/courses", json=course(**change), headers=inst_a["headers"]
    )
    problem(response, 422, "invalid_request")
    assert row_counts(engine) == before


def test_not_found(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    before = row_counts(engine)
    problem(client.get("/learners/999999999/account", headers=admin), 404, "not_found")
    problem(
        client.post("/learners/999999999/courses", json=course(), headers=inst_a["headers"]),
        404,
        "not_found",
    )
    problem(client.get("/credentials/nope/qr.png", headers=admin), 404, "not_found")
    problem(client.get("/no/such/route"), 404, "not_found")
    assert row_counts(engine) == before


def test_method_not_allowed(client: TestClient) -> None:
    problem(client.delete("/healthz"), 405, "method_not_allowed")


def test_unauthenticated_and_forbidden(client: TestClient, inst_a: dict[str, Any]) -> None:
    response = client.get("/learners/1/account")
    problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    problem(
        client.get("/learners/1/account", headers={"Authorization": "Bearer wrong"}),
        401,
        "unauthenticated",
    )
    problem(
        client.get("/learners/1/account", headers={"Authorization": "Bearer cbk_unknown"}),
        401,
        "unauthenticated",
    )
    problem(client.get("/learners/1/account", headers=inst_a["headers"]), 403, "forbidden")


def test_credential_errors(
    client: TestClient, admin: dict[str, str], engine: Engine, inst_a: dict[str, Any]
) -> None:
    owner = create_learner(client, admin)
    other = create_learner(client, admin)
    recorded = client.post(
        f"/learners/{owner['id']}/courses", json=course(), headers=inst_a["headers"]
    ).json()
    entry_id = recorded["entry"]["id"]
    with Session(engine) as session:
        adjustment = ledger.append(
            session,
            learner_id=owner["id"],
            kind="adjustment",
            half_credits=-1,
            domain="AM",
            standard="ADJ@1",
            rule="manual",
            explanation="更正 correction",
        )
        session.commit()
        adjustment_id = adjustment.id
    before = row_counts(engine)
    issue = f"/learners/{owner['id']}/credentials"
    problem(
        client.post(issue, json={"entry_ids": [adjustment_id]}, headers=admin),
        422,
        "not_recognised",
    )
    problem(client.post(issue, json={"entry_ids": [999999999]}, headers=admin), 404, "not_found")
    problem(
        client.post(
            f"/learners/{other['id']}/credentials", json={"entry_ids": [entry_id]}, headers=admin
        ),
        404,
        "not_found",
    )
    problem(
        client.post(issue, json={"entry_ids": [entry_id, entry_id]}, headers=admin),
        422,
        "invalid_request",
    )
    problem(client.post(issue, json={"entry_ids": []}, headers=admin), 422, "invalid_request")
    assert row_counts(engine) == before


def test_unexpected_error_is_a_bare_500(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/test-only/explode", explode)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/test-only/explode")
    finally:
        app.router.routes.pop()
    body = problem(response, 500, "internal_error")
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert body["detail"] == "an unexpected error occurred"
    assert "secret internals" in caplog.text
