"""No credential is issued over credits the account no longer holds.

Credits transferred to a university, counted toward a qualification or reversed are
refused by every issuing route (QR credential, Open Badge, SD-JWT VC, CLR, credential
offer) with the transfer's codes, and nothing is written. A deposit an adjustment
lowered is issued with the credits it still holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.issuer.factories import (
    append_to_deposit,
    problem,
    redeem_unit,
    row_counts,
    with_consent,
)
from tests.issuer.test_certificate import issue_credential
from verifier.formats import cbqr
from verifier.formats.holder_key import holder_public_jwk, new_holder_jwk
from verifier.formats.jws import split

pytestmark = pytest.mark.db

Gone = Callable[[TestClient, dict[str, str], dict[str, Any], Engine, dict[str, Any]], None]


def _deposit(client: TestClient, admin: dict[str, str], learner_id: int) -> dict[str, Any]:
    response = client.get(f"/learners/{learner_id}/account", headers=admin)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return next(e for e in entries if e["kind"] == "deposit")


def _transferred(client, admin, inst_b, engine, cred) -> None:  # type: ignore[no-untyped-def]
    learner = {"id": cred["learner_id"]}
    body = with_consent(client, admin, learner, inst_b, {"items": [{"jti": cred["jti"]}]})
    response = client.post("/transfers", json=body, headers=inst_b["headers"])
    assert response.status_code == 201, response.text


def _redeemed(client, admin, inst_b, engine, cred) -> None:  # type: ignore[no-untyped-def]
    learner_id = cred["learner_id"]
    redeem_unit(engine, learner_id, _deposit(client, admin, learner_id)["achievement_id"])


def _reversed(client, admin, inst_b, engine, cred) -> None:  # type: ignore[no-untyped-def]
    deposit = _deposit(client, admin, cred["learner_id"])
    append_to_deposit(engine, cred["learner_id"], deposit, -deposit["half_credits"], "reversal")


def _routes(learner_id: int, entry_id: int) -> list[tuple[str, dict[str, Any]]]:
    holder = holder_public_jwk(new_holder_jwk())
    base = f"/learners/{learner_id}"
    return [
        (f"{base}/credentials", {"entry_ids": [entry_id]}),
        (f"{base}/credentials/ob3", {"entry_id": entry_id}),
        (f"{base}/credentials/sd-jwt", {"entry_ids": [entry_id], "holder_jwk": holder}),
        (f"{base}/credential-offers", {"entry_ids": [entry_id]}),
    ]


@pytest.mark.parametrize(
    ("make_gone", "code"),
    [
        (_transferred, "already_transferred"),
        (_redeemed, "already_redeemed"),
        (_reversed, "insufficient_credits"),
    ],
)
def test_credits_that_are_gone_are_not_issued(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    inst_b: dict[str, Any],
    engine: Engine,
    make_gone: Gone,
    code: str,
) -> None:
    learner, cred = issue_credential(client, admin, inst_a, titles=("液压与气动技术",))
    entry_id = _deposit(client, admin, learner["id"])["id"]
    make_gone(client, admin, inst_b, engine, {**cred, "learner_id": learner["id"]})
    counts = row_counts(engine)
    for path, body in _routes(learner["id"], entry_id):
        problem(client.post(path, json=body, headers=admin), 409, code)
    # Without entry ids, the CLR transcript and the default offer find nothing to carry.
    clr = client.post(f"/learners/{learner['id']}/credentials/clr", headers=admin)
    problem(clr, 422, "not_recognised")
    offer = client.post(f"/learners/{learner['id']}/credential-offers", json={}, headers=admin)
    problem(offer, 422, "not_recognised")
    assert row_counts(engine) == counts


def test_a_lowered_deposit_is_issued_with_what_it_still_holds(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any], engine: Engine
) -> None:
    learner, _ = issue_credential(client, admin, inst_a, titles=("机电一体化实训",))
    deposit = _deposit(client, admin, learner["id"])
    assert deposit["half_credits"] >= 2
    append_to_deposit(engine, learner["id"], deposit, -1, "adjustment")
    response = client.post(
        f"/learners/{learner['id']}/credentials",
        json={"entry_ids": [deposit["id"]]},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    claims = cbqr.parse_claims(split(response.json()["jws"]).payload)
    assert claims.entries[0].half_credits == deposit["half_credits"] - 1
    transcript = client.post(f"/learners/{learner['id']}/credentials/clr", headers=admin)
    assert transcript.status_code == 201, transcript.text
    earned = _values(json.loads(split(transcript.json()["token"]).payload), "creditsAvailable")
    assert earned == [(deposit["half_credits"] - 1) / 2]


def _values(node: Any, key: str) -> list[Any]:
    """Every value of ``key`` anywhere in a JSON document."""
    if isinstance(node, dict):
        own = [node[key]] if key in node else []
        return own + [v for child in node.values() for v in _values(child, key)]
    if isinstance(node, list):
        return [v for child in node for v in _values(child, key)]
    return []
