"""``Idempotency-Key`` on the POSTs that deposit or issue: a retry deposits/issues nothing twice."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.issuer.factories import course, create_institution, create_learner, problem, row_counts
from tests.issuer.test_achievements import kinds

pytestmark = pytest.mark.db


def _post_twice(
    client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str], key: str
) -> tuple[Any, Any]:
    first = client.post(path, json=body, headers={**headers, "Idempotency-Key": key})
    again = client.post(path, json=body, headers={**headers, "Idempotency-Key": key})
    return first, again


@pytest.mark.parametrize("route", ["courses", "achievements"])
def test_retry_with_the_same_key_deposits_once(
    client: TestClient, admin: dict[str, str], engine: Engine, route: str
) -> None:
    inst = create_institution(client, admin)
    learner = create_learner(client, inst["headers"])
    if route == "courses":
        body = course(external_ref=f"IDEM-{learner['id']}")
    else:
        body = {**kinds()["online_course"], "external_ref": f"IDEM-{learner['id']}"}
    path = f"/learners/{learner['id']}/{route}"
    first, again = _post_twice(client, path, body, inst["headers"], f"k-{route}-{learner['id']}")
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    account = client.get(f"/learners/{learner['id']}/account", headers=admin).json()
    assert len([e for e in account["entries"] if e["kind"] == "deposit"]) == 1

    before = row_counts(engine)
    changed = {**body, "external_ref": f"IDEM-{learner['id']}-other"}
    reused = client.post(
        path,
        json=changed,
        headers={**inst["headers"], "Idempotency-Key": f"k-{route}-{learner['id']}"},
    )
    problem(reused, 422, "idempotency_key_reused")
    assert row_counts(engine) == before


def test_retry_of_an_issue_returns_the_same_credential(
    client: TestClient, admin: dict[str, str]
) -> None:
    inst = create_institution(client, admin)
    learner = create_learner(client, inst["headers"])
    recorded = client.post(
        f"/learners/{learner['id']}/courses", json=course(), headers=inst["headers"]
    ).json()
    path = f"/learners/{learner['id']}/credentials"
    body = {"entry_ids": [recorded["entry"]["id"]]}
    first, again = _post_twice(client, path, body, admin, f"issue-{learner['id']}")
    assert first.status_code == again.status_code == 201
    assert again.json()["jti"] == first.json()["jti"]
