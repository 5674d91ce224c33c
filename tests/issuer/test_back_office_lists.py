"""GET /learners, POST /learners/search, GET /credentials, GET /transfers: filters and scope."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.issuer.committee_factories import signed_in_learner
from tests.issuer.factories import create_institution, new_national_id, problem, with_consent
from tests.issuer.test_certificate import issue_credential

pytestmark = pytest.mark.db


def _get(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _open(client: TestClient, inst: dict[str, Any], name: str) -> tuple[dict[str, Any], str]:
    number = new_national_id()
    response = client.post(
        "/learners", json={"name": name, "national_id": number}, headers=inst["headers"]
    )
    assert response.status_code == 201, response.text
    return response.json(), number


def test_learner_search_by_name_masked_and_full_id(
    client: TestClient, admin: dict[str, str]
) -> None:
    school = create_institution(client, admin)
    other = create_institution(client, admin)
    mine, number = _open(client, school, "欧阳明远")
    theirs, _ = _open(client, other, "欧阳明辉")

    found = _get(client, "/learners", admin, name="欧阳明")
    ids = [i["id"] for i in found["items"]]
    assert mine["id"] in ids and theirs["id"] in ids
    row = next(i for i in found["items"] if i["id"] == mine["id"])
    assert (
        row["opened_by"] == school["code"]
        and row["national_id_masked"] == mine["national_id_masked"]
    )
    by_mask = _get(client, "/learners", admin, masked_id=mine["national_id_masked"])
    assert [i["id"] for i in by_mask["items"]] == [mine["id"]]

    # An institution sees only its own learners.
    scoped = _get(client, "/learners", school["headers"], name="欧阳明")
    assert [i["id"] for i in scoped["items"]] == [mine["id"]]

    # The full number is matched through its keyed hash and never echoed back.
    response = client.post("/learners/search", json={"national_id": number}, headers=admin)
    assert response.status_code == 200, response.text
    assert [i["id"] for i in response.json()["items"]] == [mine["id"]]
    assert number not in response.text
    hidden = client.post("/learners/search", json={"national_id": number}, headers=other["headers"])
    assert hidden.json()["total"] == 0
    bad = client.post("/learners/search", json={"national_id": "110101199003070000"}, headers=admin)
    body = problem(bad, 422, "invalid_national_id")
    assert "110101199003070000" not in str(body)


def test_a_learner_with_an_achievement_is_in_the_recording_institutions_scope(
    client: TestClient, admin: dict[str, str]
) -> None:
    opener = create_institution(client, admin)
    recorder = create_institution(client, admin)
    learner, _ = _open(client, opener, "司马相如")
    assert _get(client, "/learners", recorder["headers"], name="司马相如")["total"] == 0
    issue_credential(client, admin, recorder, learner=learner)
    assert _get(client, "/learners", recorder["headers"], name="司马相如")["total"] == 1


def test_credentials_list_filters_and_scope(client: TestClient, admin: dict[str, str]) -> None:
    school = create_institution(client, admin)
    other = create_institution(client, admin)
    learner, cred = issue_credential(client, admin, school)
    _, foreign = issue_credential(client, admin, other)

    listed = _get(client, "/credentials", admin, learner_id=learner["id"])
    assert [(i["jti"], i["format"], i["status"], i["entries"]) for i in listed["items"]] == [
        (cred["jti"], "cbqr", "active", 2)
    ]
    mine = _get(client, "/credentials", school["headers"], limit=200)
    jtis = {i["jti"] for i in mine["items"]}
    assert cred["jti"] in jtis and foreign["jti"] not in jtis

    client.post(
        f"/credentials/{cred['jti']}/status",
        json={"status": "suspended", "reason": "核查中 / under check"},
        headers=admin,
    )
    assert (
        _get(client, "/credentials", admin, learner_id=learner["id"], status="active")["total"] == 0
    )
    assert (
        _get(client, "/credentials", admin, learner_id=learner["id"], status="suspended")["total"]
        == 1
    )
    day = cred["issued_at"][:10]
    assert (
        _get(
            client,
            "/credentials",
            admin,
            learner_id=learner["id"],
            format="cbqr",
            **{"from": day, "to": day},
        )["total"]
        == 1
    )
    assert (
        _get(client, "/credentials", admin, learner_id=learner["id"], **{"to": "2020-01-01"})[
            "total"
        ]
        == 0
    )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/credentials", {"status": "deleted"}),
        ("/credentials", {"format": "pdf"}),
        ("/credentials", {"from": "2026-02-30"}),
        ("/transfers", {"to": "not-a-date"}),
        ("/transfers", {"institution": "NOPE-404"}),
    ],
)
def test_bad_filters_are_invalid_filter(
    client: TestClient, admin: dict[str, str], path: str, params: dict[str, str]
) -> None:
    problem(client.get(path, params=params, headers=admin), 422, "invalid_filter")


def test_transfers_list_and_scope(client: TestClient, admin: dict[str, str]) -> None:
    school = create_institution(client, admin)
    university = create_institution(client, admin)
    learner, cred = issue_credential(client, admin, school)
    body = with_consent(client, admin, learner, university, {"items": [{"jti": cred["jti"]}]})
    moved = client.post("/transfers", json=body, headers=university["headers"])
    assert moved.status_code == 201, moved.text
    listed = _get(client, "/transfers", admin, institution=university["code"])
    assert [(i["id"], i["learner_id"], i["items"]) for i in listed["items"]] == [
        (moved.json()["id"], learner["id"], 2)
    ]
    assert listed["items"][0]["half_credits"] == moved.json()["half_credits"]
    assert _get(client, "/transfers", admin, learner_id=learner["id"])["total"] == 1
    own = _get(client, "/transfers", university["headers"])
    assert [i["id"] for i in own["items"]] == [moved.json()["id"]]
    assert _get(client, "/transfers", school["headers"])["total"] == 0
    problem(
        client.get(
            "/transfers", params={"institution": university["code"]}, headers=school["headers"]
        ),
        403,
        "forbidden",
    )


def test_learners_and_committee_cannot_list(client: TestClient, admin: dict[str, str]) -> None:
    learner = signed_in_learner(client, admin)
    for path in ("/learners", "/credentials", "/transfers"):
        problem(client.get(path, headers=learner["headers"]), 403, "forbidden")
    problem(client.post("/learners/search", json={}, headers=learner["headers"]), 403, "forbidden")
