"""Credentials issued through the real API once per interop test module."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.issuer.factories import course, create_learner
from verifier.formats.holder_key import holder_public_jwk


def issue_all(
    client: TestClient, admin: dict[str, str], inst: dict[str, Any], holder: dict[str, Any]
) -> dict[str, Any]:
    """A learner with two deposits and one credential of each standard format."""
    learner = create_learner(client, admin, name="王五")
    entries = []
    for title, hours in (("人工智能导论", 32), ("机器学习实践", 64)):
        response = client.post(
            f"/learners/{learner['id']}/courses",
            json=course(title=title, hours=hours, domain="AI"),
            headers=inst["headers"],
        )
        assert response.status_code == 201, response.text
        entries.append(response.json()["entry"]["id"])
    base = f"/learners/{learner['id']}/credentials"
    bodies = {
        "ob3": {"entry_id": entries[0]},
        "clr": {},
        "sd-jwt": {"entry_ids": entries, "holder_jwk": holder_public_jwk(holder)},
    }
    out: dict[str, Any] = {"learner": learner, "entries": entries}
    for kind, body in bodies.items():
        response = client.post(f"{base}/{kind}", json=body, headers=admin)
        assert response.status_code == 201, response.text
        out[kind] = response.json()
    return out
