"""The operator's organisation API (admin token): units, institutions' keys, staff."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.issuer.factories import create_institution
from tests.issuer.staff_factories import serial

pytestmark = pytest.mark.db


def _province(client: TestClient, admin: dict[str, str]) -> int:
    units = client.get("/org-units?limit=200", headers=admin).json()["items"]
    existing = [u for u in units if u["level"] == "province"]
    if existing:
        return int(existing[0]["id"])
    made = client.post(
        "/org-units",
        json={"code": "HN", "name_zh": "河南省学分银行", "name_en": "Henan", "level": "province"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _unit(client: TestClient, admin: dict[str, str], parent: int) -> dict[str, Any]:
    n = serial()
    made = client.post(
        "/org-units",
        json={
            "code": f"A{n}",
            "name_zh": f"分中心{n}",
            "name_en": f"Sub {n}",
            "level": "sub_centre",
            "parent_id": parent,
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def test_units_are_listed_with_pagination(client: TestClient, admin: dict[str, str]) -> None:
    province = _province(client, admin)
    _unit(client, admin, province)
    _unit(client, admin, province)
    page = client.get("/org-units?limit=1&offset=1", headers=admin).json()
    assert (
        page["limit"] == 1
        and page["offset"] == 1
        and len(page["items"]) == 1
        and page["total"] >= 3
    )


def test_second_province_is_org_unit_exists(client: TestClient, admin: dict[str, str]) -> None:
    _province(client, admin)
    again = client.post(
        "/org-units",
        json={"code": f"X{serial()}", "name_zh": "又", "name_en": "Again", "level": "province"},
        headers=admin,
    )
    assert again.status_code == 409 and again.json()["code"] == "org_unit_exists"


def test_unit_without_its_parent_level_is_invalid(
    client: TestClient, admin: dict[str, str]
) -> None:
    refused = client.post(
        "/org-units",
        json={"code": f"X{serial()}", "name_zh": "点", "name_en": "Point", "level": "point"},
        headers=admin,
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_request"


def test_institution_key_rotate_and_revoke(client: TestClient, admin: dict[str, str]) -> None:
    institution = create_institution(client, admin)
    old = {"Authorization": f"Bearer {institution['api_key']}"}
    rotated = client.post(f"/institutions/{institution['id']}/api-key", headers=admin)
    assert rotated.status_code == 200 and rotated.json()["api_key"] != institution["api_key"]
    assert client.get("/learners/1/account", headers=old).json()["code"] == "unauthenticated"
    revoked = client.delete(f"/institutions/{institution['id']}/api-key", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["key_revoked_at"]
    assert "api_key" not in revoked.json()
    new = {"Authorization": f"Bearer {rotated.json()['api_key']}"}
    assert client.get("/learners/1/account", headers=new).status_code == 401
    listed = client.get("/institutions?limit=200", headers=admin).json()
    assert all("api_key" not in item and "api_key_hash" not in item for item in listed["items"])


def test_institution_attached_to_a_centre(client: TestClient, admin: dict[str, str]) -> None:
    city = _unit(client, admin, _province(client, admin))
    institution = create_institution(client, admin)
    attached = client.put(
        f"/institutions/{institution['id']}/centre", json={"centre_id": city["id"]}, headers=admin
    )
    assert attached.status_code == 200 and attached.json()["centre_id"] == city["id"]
    missing = client.put(
        f"/institutions/{institution['id']}/centre", json={"centre_id": 99999}, headers=admin
    )
    assert missing.status_code == 422


def test_staff_create_list_deactivate_reset(client: TestClient, admin: dict[str, str]) -> None:
    city = _unit(client, admin, _province(client, admin))
    login = f"api.reviewer.{serial()}"
    made = client.post(
        "/staff",
        json={"login": login, "name": "王审核", "role": "reviewer", "centre_id": city["id"]},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["password"] and not body["totp_enrolled"]
    assert "password_hash" not in body and "totp_sealed" not in body
    again = client.post(
        "/staff",
        json={"login": login, "name": "又", "role": "reviewer", "centre_id": city["id"]},
        headers=admin,
    )
    assert again.status_code == 409 and again.json()["code"] == "staff_exists"
    listed = client.get("/staff?limit=200", headers=admin).json()
    assert any(item["login"] == login for item in listed["items"])
    assert all("password" not in item for item in listed["items"])
    reset = client.post(f"/staff/{body['id']}/totp-reset", headers=admin)
    assert reset.status_code == 200 and not reset.json()["totp_enrolled"]
    gone = client.post(f"/staff/{body['id']}/deactivate", headers=admin)
    assert gone.status_code == 200 and gone.json()["active"] is False


def test_reviewer_without_a_centre_is_invalid(client: TestClient, admin: dict[str, str]) -> None:
    refused = client.post(
        "/staff", json={"login": f"r{serial()}", "name": "x", "role": "reviewer"}, headers=admin
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_request"


def test_the_organisation_api_is_for_the_operator(
    client: TestClient, admin: dict[str, str]
) -> None:
    institution = create_institution(client, admin)
    as_institution = {"Authorization": f"Bearer {institution['api_key']}"}
    assert client.get("/staff", headers=as_institution).json()["code"] == "forbidden"
    assert client.post("/org-units", json={}, headers=as_institution).status_code in (403, 422)
