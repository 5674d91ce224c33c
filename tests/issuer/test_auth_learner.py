"""Learner sign-in: argon2id passwords, short-lived HMAC tokens, own account only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.core import security
from issuer.core.errors import Unauthenticated
from issuer.core.settings import Settings
from issuer.models import Learner, utcnow
from tests.issuer.committee_factories import PASSWORD, deposit, signed_in_learner
from tests.issuer.factories import create_learner, problem

pytestmark = pytest.mark.db


def test_password_is_stored_as_argon2id(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    learner = signed_in_learner(client, admin)
    with Session(engine) as session:
        row = session.get(Learner, learner["id"])
        assert row is not None and row.password_hash is not None
        assert row.password_hash.startswith("$argon2id$")
        assert PASSWORD not in row.password_hash
    assert "password" not in learner


def test_token_response_shape(client: TestClient, admin: dict[str, str]) -> None:
    learner = signed_in_learner(client, admin)
    body = client.post(
        "/auth/token", json={"learner_id": learner["id"], "password": PASSWORD}
    ).json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    assert body["access_token"].startswith("cbl_")


def test_form_sign_in(client: TestClient, admin: dict[str, str]) -> None:
    learner = signed_in_learner(client, admin)
    response = client.post(
        "/auth/token", data={"learner_id": str(learner["id"]), "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("password", ["wrong password", ""])
def test_wrong_password_is_unauthenticated(
    client: TestClient, admin: dict[str, str], password: str
) -> None:
    learner = signed_in_learner(client, admin)
    response = client.post("/auth/token", json={"learner_id": learner["id"], "password": password})
    if password:
        problem(response, 401, "unauthenticated")
    else:
        problem(response, 422, "invalid_request")


def test_unknown_learner_and_no_password_look_alike(
    client: TestClient, admin: dict[str, str]
) -> None:
    without = create_learner(client, admin)
    a = problem(
        client.post("/auth/token", json={"learner_id": without["id"], "password": "x" * 10}),
        401,
        "unauthenticated",
    )
    b = problem(
        client.post("/auth/token", json={"learner_id": 987654, "password": "x" * 10}),
        401,
        "unauthenticated",
    )
    assert a["detail"] == b["detail"]


def test_malformed_sign_in_body(client: TestClient) -> None:
    problem(
        client.post(
            "/auth/token", content=b"{not json", headers={"content-type": "application/json"}
        ),
        422,
        "invalid_request",
    )


def test_admin_sets_a_password(client: TestClient, admin: dict[str, str]) -> None:
    learner = create_learner(client, admin)
    path = f"/learners/{learner['id']}/password"
    assert client.put(path, json={"password": "new-password-1"}, headers=admin).status_code == 204
    token = client.post(
        "/auth/token", json={"learner_id": learner["id"], "password": "new-password-1"}
    )
    assert token.status_code == 200
    problem(client.put(path, json={"password": "short"}, headers=admin), 422, "invalid_request")


def test_learner_sees_own_account_only(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    alice, bob = signed_in_learner(client, admin), signed_in_learner(client, admin)
    deposit(client, inst_a, alice["id"])
    own = client.get(f"/learners/{alice['id']}/account", headers=alice["headers"])
    assert own.status_code == 200
    assert own.json()["balance"] == 2
    problem(
        client.get(f"/learners/{bob['id']}/account", headers=alice["headers"]), 403, "forbidden"
    )


def test_learner_cannot_act_as_institution_or_admin(
    client: TestClient, admin: dict[str, str]
) -> None:
    learner = signed_in_learner(client, admin)
    problem(
        client.post(
            "/learners", json={"name": "x", "national_id": "1"}, headers=learner["headers"]
        ),
        403,
        "forbidden",
    )


def test_expired_token_is_refused(settings: Settings, engine: Engine) -> None:
    with Session(engine) as session:
        learner = Learner(name="王五", national_id_hmac="e" * 64, national_id_masked="x")
        session.add(learner)
        session.flush()
        assert learner.id is not None
        old = security.issue_token(settings, learner.id, now=utcnow() - timedelta(hours=1))
        with pytest.raises(Unauthenticated, match="expired"):
            security.learner_from_token(session, settings, old)
        fresh = security.issue_token(settings, learner.id)
        assert security.learner_from_token(session, settings, fresh).id == learner.id
        session.rollback()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace("cbl_", "cbl_x"),
        lambda t: "cbl_!!.x",
        lambda t: "cbl_",
    ],
)
def test_tampered_token_is_unauthenticated(
    client: TestClient, admin: dict[str, str], mangle: Any
) -> None:
    learner = signed_in_learner(client, admin)
    token = learner["headers"]["Authorization"].removeprefix("Bearer ")
    response = client.get(
        f"/learners/{learner['id']}/account",
        headers={"Authorization": f"Bearer {mangle(token)}"},
    )
    problem(response, 401, "unauthenticated")


def test_token_signed_with_another_key_is_refused(settings: Settings, engine: Engine) -> None:
    other = settings.model_copy(update={"session_key": SecretStr("another-key")})
    token = security.issue_token(other, 1)
    with Session(engine) as session, pytest.raises(Unauthenticated):
        security.learner_from_token(session, settings, token)


def test_production_refuses_the_dev_session_key(tmp_path: Any) -> None:
    with pytest.raises(ValidationError, match="CREDITBANK_SESSION_KEY"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            env="production",
            home=tmp_path,
            key_passphrase="a-strong-secret-0123456789abcdefghij",  # type: ignore[arg-type]
            admin_token="b-strong-secret-0123456789abcdefghij",  # type: ignore[arg-type]
            id_hmac_key="c-strong-secret-0123456789abcdefghij",  # type: ignore[arg-type]
            status_key="d-strong-secret-0123456789abcdefghij",  # type: ignore[arg-type]
        )


def test_non_ascii_token_is_unauthenticated(settings: Settings, engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(Unauthenticated):
        security.learner_from_token(session, settings, "cbl_é.x")
