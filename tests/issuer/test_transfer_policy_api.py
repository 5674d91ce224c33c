"""A university's transfer policy over the API: versions, the CLI's TOML, refusals."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from issuer.core.settings import Settings
from tests.issuer.factories import create_institution, row_counts
from tests.issuer.staff_factories import api_token, make_staff
from verifier.transfer import load_policy

pytestmark = pytest.mark.db

_POLICY = {
    "name": "示范大学学分转换政策 2026",
    "issuers": ["http://127.0.0.1:8000/issuer"],
    "domains": ["AM", "AI"],
    "max_achievement_age_days": 1825,
    "limits": {"total_credits": 30, "domains": {"AM": 20}},
}


def test_a_university_saves_versions_and_gets_the_toml_the_cli_reads(
    client: TestClient, admin: dict[str, str], tmp_path: Path
) -> None:
    university = create_institution(client, admin)
    headers = university["headers"]
    default = client.get("/transfer-policy", headers=headers)
    assert default.status_code == 200, default.text
    assert default.json()["version"] == 0 and default.json()["created_by"] is None

    first = client.put("/transfer-policy", json=_POLICY, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1
    assert first.json()["document"]["limits"] == {"total_credits": 30, "domains": {"AM": 20}}
    second = client.put(
        "/transfer-policy", json={**_POLICY, "require_holder_binding": True}, headers=headers
    )
    assert second.json()["version"] == 2
    versions = client.get("/transfer-policy/versions", headers=headers).json()
    assert [v["version"] for v in versions["items"]] == [2, 1] and versions["total"] == 2

    toml = client.get("/transfer-policy.toml", headers=headers)
    assert toml.status_code == 200 and toml.headers["content-type"].startswith("application/toml")
    assert "transfer-policy-v2.toml" in toml.headers["content-disposition"]
    assert tomllib.loads(toml.text)["require_holder_binding"] is True
    # The file is the policy the CLI reads (its own loader).
    path = tmp_path / "policy.toml"
    path.write_text(toml.text, "utf-8")
    policy = load_policy(path)
    assert policy.require_holder_binding and policy.max_total_half_credits == 60
    assert policy.max_domain_half_credits == {"AM": 40} and policy.domains == {"AM", "AI"}


def test_contradictory_or_invalid_policies_are_refused_and_nothing_is_saved(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    university = create_institution(client, admin)
    headers = university["headers"]
    before = row_counts(engine)
    above = {**_POLICY, "limits": {"total_credits": 10, "domains": {"AM": 20}}}
    response = client.put("/transfer-policy", json=above, headers=headers)
    assert response.status_code == 422 and response.json()["code"] == "contradictory_policy"
    not_accepted = {**_POLICY, "domains": ["AI"], "limits": {"domains": {"AM": 5}}}
    response = client.put("/transfer-policy", json=not_accepted, headers=headers)
    assert response.json()["code"] == "contradictory_policy"
    for bad in (
        {**_POLICY, "issuers": []},
        {**_POLICY, "limits": {"total_credits": 0.3}},
        {**_POLICY, "version": 2},
        {**_POLICY, "shadow": True},
    ):
        response = client.put("/transfer-policy", json=bad, headers=headers)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["code"] == "invalid_request"
    assert row_counts(engine) == before


def test_only_universities_and_their_registrars_have_a_policy(
    client: TestClient, admin: dict[str, str], engine: Engine, settings: Settings
) -> None:
    enterprise = client.post(
        "/institutions",
        json={
            "code": "ENT-POL",
            "name_zh": "某企业",
            "name_en": "An Enterprise",
            "kind": "enterprise",
        },
        headers=admin,
    )
    assert enterprise.status_code == 201, enterprise.text
    key = {"Authorization": f"Bearer {enterprise.json()['api_key']}"}
    refused = client.get("/transfer-policy", headers=key)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert client.get("/transfer-policy", headers=admin).json()["code"] == "forbidden"

    university: dict[str, Any] = create_institution(client, admin)
    registrar = make_staff(engine, settings, "registrar", institution_id=university["id"])
    headers = api_token(client, registrar)
    saved = client.put("/transfer-policy", json=_POLICY, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["created_by"] == f"staff:{registrar.id}"
