"""Errors of ``keys`` and ``verifier`` reaching a route become problem+json with their own code.

One condition, one code: the key store's ``unsupported_alg`` / ``unknown_key`` are not
re-coded by the issuer, and none of them is a 500 with a traceback.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

import keys
import verifier
from issuer.api import problems


def _app_raising(error: Exception) -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (keys.UnsupportedAlgorithm("no RS256 key"), 422, "unsupported_alg"),
        (keys.KeyNotFound("no active signing key"), 503, "unknown_key"),
        (keys.KeyStateError("key k is retired"), 409, "key_state"),
        (keys.BadPassphrase("wrong passphrase"), 500, "bad_passphrase"),
        (keys.InvalidKey("unsupported type"), 500, "invalid_key"),
        (verifier.VerificationError("bad"), 422, "verification_error"),
    ],
    ids=lambda v: getattr(v, "code", str(v)),
)
def test_library_error_is_a_problem_with_its_code(error: Exception, status: int, code: str) -> None:
    response = _app_raising(error).get("/boom")
    assert response.status_code == status
    assert response.headers["content-type"] == problems.PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["code"] == code
    assert body["type"] == f"urn:creditbank:problem:{code}"
    assert "Traceback" not in response.text


def test_verifier_subclass_keeps_its_code() -> None:
    body = _app_raising(verifier.BadSignature("no")).get("/boom").json()
    assert (body["status"], body["code"]) == (422, "bad_signature")


def test_a_connection_lost_mid_request_is_503_database_unreachable() -> None:
    lost = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    lost.connection_invalidated = True
    response = _app_raising(lost).get("/boom")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unreachable"
    assert response.headers["retry-after"] == "1"
    assert "SELECT" not in response.text and "Traceback" not in response.text
