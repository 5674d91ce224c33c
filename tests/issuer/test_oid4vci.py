"""OpenID4VCI: metadata, credential offers and the token endpoint (pre-authorized code + PIN)."""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.credentials.oid4vci.errors import InvalidGrant
from issuer.credentials.oid4vci.tokens import MAX_TX_ATTEMPTS, redeem_pre_authorized_code
from issuer.demo.wallet_offer import write_demo_offer
from issuer.models import OID4VCIAccessToken, OID4VCIOffer, utcnow
from tests.issuer.committee_factories import signed_in_learner
from tests.issuer.factories import course, create_learner, problem
from tests.wallet.oid4vci_support import (
    PRE_AUTH,
    code_of,
    learner_with_deposits,
    make_offer,
    offer_of,
    token_form,
)

pytestmark = pytest.mark.db

TOKEN = "/oid4vci/token"


def oauth_error(response: Any, status: int, error: str, reason: str | None = None) -> None:
    """Assert an OAuth JSON error (not problem+json) with ``error`` and ``reason``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert body.get("reason") == reason


def test_credential_issuer_metadata(client: TestClient, settings: Settings) -> None:
    body = client.get("/.well-known/openid-credential-issuer").json()
    base = settings.verify_base_url
    assert body["credential_issuer"] == base
    assert body["credential_endpoint"] == f"{base}/oid4vci/credential"
    assert body["nonce_endpoint"] == f"{base}/oid4vci/nonce"
    configs = body["credential_configurations_supported"]
    sd = configs["creditbank_credit_sd_jwt"]
    assert sd["format"] == "dc+sd-jwt" and sd["vct"]
    assert sd["proof_types_supported"] == {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}}
    assert sd["cryptographic_binding_methods_supported"] == ["jwk"]
    assert configs["creditbank_ob3_jwt"]["format"] == "jwt_vc_json"
    assert "OpenBadgeCredential" in configs["creditbank_ob3_jwt"]["credential_definition"]["type"]


def test_authorization_server_metadata(client: TestClient, settings: Settings) -> None:
    body = client.get("/.well-known/oauth-authorization-server").json()
    assert body["issuer"] == settings.verify_base_url
    assert body["token_endpoint"] == f"{settings.verify_base_url}/oid4vci/token"
    assert body["grant_types_supported"] == [PRE_AUTH]
    assert body["pre-authorized_grant_anonymous_access_supported"] is True


def test_offer_is_created_with_uri_pin_and_qr(
    client: TestClient,
    admin: dict[str, str],
    inst_a: dict[str, Any],
    engine: Engine,
    settings: Settings,
) -> None:
    learner_id, entry_ids = learner_with_deposits(client, inst_a["headers"])
    response = client.post(f"/learners/{learner_id}/credential-offers", json={}, headers=admin)
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    offer = response.json()
    assert offer["offer_uri"].startswith("openid-credential-offer://?credential_offer=")
    inner = offer_of(offer["offer_uri"])
    assert inner["credential_issuer"] == settings.verify_base_url
    assert inner["credential_configuration_ids"] == [
        "creditbank_credit_sd_jwt",
        "creditbank_ob3_jwt",
    ]
    grant = inner["grants"][PRE_AUTH]
    assert grant["tx_code"]["input_mode"] == "numeric" and grant["tx_code"]["length"] == 6
    assert len(offer["tx_code"]) == 6 and offer["tx_code"].isdigit()
    assert "tx_code" not in grant or offer["tx_code"] not in str(grant)
    prefix = "data:image/png;base64,"
    assert offer["qr_png_url"].startswith(prefix)
    assert base64.b64decode(offer["qr_png_url"][len(prefix) :]).startswith(b"\x89PNG")
    with Session(engine) as session:
        row = session.get(OID4VCIOffer, offer["offer_id"])
        assert row is not None
        # Only hashes are stored: neither the code nor the PIN appears in the row.
        assert code_of(offer["offer_uri"]) not in row.model_dump_json()
        assert offer["tx_code"] not in row.tx_code_hash
        assert row.entry_ids == entry_ids


def test_offer_needs_the_operator(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    path = f"/learners/{learner_id}/credential-offers"
    problem(client.post(path, json={}), 401, "unauthenticated")
    problem(client.post(path, json={}, headers=inst_a["headers"]), 403, "forbidden")


def test_learner_makes_offers_for_themselves_only(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str], engine: Engine
) -> None:
    me = signed_in_learner(client, admin)
    other = signed_in_learner(client, admin)
    recorded = client.post(
        f"/learners/{me['id']}/courses", json=course(), headers=inst_a["headers"]
    )
    assert recorded.status_code == 201, recorded.text
    path = f"/learners/{me['id']}/credential-offers"
    response = client.post(path, json={}, headers=me["headers"])
    assert response.status_code == 201, response.text
    with Session(engine) as session:
        row = session.get(OID4VCIOffer, response.json()["offer_id"])
        assert row is not None and row.created_by == f"learner:{me['id']}"
    problem(client.post(path, json={}, headers=other["headers"]), 403, "forbidden")


def test_offer_refuses_bad_requests(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"], count=2)
    path = f"/learners/{learner_id}/credential-offers"
    # The Open Badge carries one achievement: it is not offered for two entries by default…
    assert make_offer(client, admin, learner_id)["credential_configuration_ids"] == [
        "creditbank_credit_sd_jwt"
    ]
    # … and refused when asked for.
    body = {"credential_configuration_ids": ["creditbank_ob3_jwt"]}
    problem(client.post(path, json=body, headers=admin), 422, "invalid_request")
    body = {"credential_configuration_ids": ["no_such_thing"]}
    problem(client.post(path, json=body, headers=admin), 422, "invalid_request")
    problem(client.post(path, json={"entry_ids": [10**9]}, headers=admin), 404, "not_found")
    problem(
        client.post("/learners/999999/credential-offers", json={}, headers=admin), 404, "not_found"
    )
    empty = create_learner(client, inst_a["headers"])
    problem(
        client.post(f"/learners/{empty['id']}/credential-offers", json={}, headers=admin),
        422,
        "not_recognised",
    )


def test_token_for_code_and_pin_then_code_is_used(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    offer = make_offer(client, admin, learner_id)
    response = client.post(TOKEN, data=token_form(offer))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    assert len(body["access_token"]) >= 40
    # Single use: the same code (and right PIN) again is refused.
    oauth_error(client.post(TOKEN, data=token_form(offer)), 400, "invalid_grant", "code_used")


def test_expired_code_is_refused(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str], engine: Engine
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    offer = make_offer(client, admin, learner_id)
    with Session(engine) as session:
        session.execute(
            update(OID4VCIOffer)
            .where(col(OID4VCIOffer.id) == offer["offer_id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    oauth_error(client.post(TOKEN, data=token_form(offer)), 400, "invalid_grant", "code_expired")


def test_wrong_pin_is_counted_and_locks_the_offer(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str], engine: Engine
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    offer = make_offer(client, admin, learner_id)
    wrong = f"{(int(offer['tx_code']) + 1) % 10**6:06d}"
    for attempt in range(1, MAX_TX_ATTEMPTS + 1):
        response = client.post(TOKEN, data=token_form(offer, tx_code=wrong))
        oauth_error(response, 400, "invalid_grant", "wrong_tx_code")
        left = MAX_TX_ATTEMPTS - attempt
        assert f"{left} attempt(s) left" in response.json()["error_description"]
        with Session(engine) as session:
            row = session.get(OID4VCIOffer, offer["offer_id"])
            assert row is not None and row.tx_attempts == attempt
    # Locked: even the right PIN no longer works, and no token was ever issued.
    oauth_error(client.post(TOKEN, data=token_form(offer)), 400, "invalid_grant", "tx_code_locked")
    with Session(engine) as session:
        tokens = session.exec(
            select(OID4VCIAccessToken).where(col(OID4VCIAccessToken.offer_id) == offer["offer_id"])
        ).all()
        assert tokens == []


def test_token_request_errors(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    offer = make_offer(client, admin, learner_id)
    form = token_form(offer)
    oauth_error(
        client.post(TOKEN, data={**form, "tx_code": ""}), 400, "invalid_grant", "tx_code_required"
    )
    oauth_error(
        client.post(TOKEN, data={**form, "pre-authorized_code": "nope"}),
        400,
        "invalid_grant",
        "unknown_code",
    )
    oauth_error(
        client.post(TOKEN, data={**form, "grant_type": "authorization_code"}),
        400,
        "unsupported_grant_type",
    )
    oauth_error(client.post(TOKEN, json=form), 400, "invalid_request")
    oauth_error(client.post(TOKEN, data={"grant_type": PRE_AUTH}), 400, "invalid_request")
    twice = "grant_type=a&grant_type=b"
    response = client.post(
        TOKEN, content=twice, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    oauth_error(response, 400, "invalid_request")
    # None of those used the code up.
    assert client.post(TOKEN, data=form).status_code == 200


def test_nonce_endpoint(client: TestClient) -> None:
    first = client.post("/oid4vci/nonce")
    second = client.post("/oid4vci/nonce")
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    assert first.json()["c_nonce"] != second.json()["c_nonce"]


def test_offer_lifetime_is_bounded(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str]
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    path = f"/learners/{learner_id}/credential-offers"
    for seconds in (10, 8 * 24 * 3600):
        response = client.post(path, json={"expires_in": seconds}, headers=admin)
        problem(response, 422, "invalid_request")


def test_demo_offer_hook_writes_the_files(
    client: TestClient, inst_a: dict[str, Any], admin: dict[str, str], tmp_path: Path
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    result = write_demo_offer(client, admin, learner_id, tmp_path)
    uri = (tmp_path / "offer.txt").read_text().strip()
    assert uri == result["offer_uri"] and uri.startswith("openid-credential-offer://")
    assert (tmp_path / "offer-pin.txt").read_text().strip() == result["tx_code"]
    assert (tmp_path / "offer-qr.png").read_bytes().startswith(b"\x89PNG")
    # Valid for a day, and usable with its PIN.
    assert client.post(TOKEN, data=token_form(result)).status_code == 200


def test_racing_wallets_get_one_token_for_one_code(
    client: TestClient,
    inst_a: dict[str, Any],
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
) -> None:
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    offer = make_offer(client, admin, learner_id)
    code = code_of(offer["offer_uri"])
    barrier = threading.Barrier(4)

    def redeem() -> str:
        barrier.wait()
        try:
            with Session(engine) as session:
                redeem_pre_authorized_code(session, settings, code, offer["tx_code"])
                session.commit()
            return "token"
        except InvalidGrant as exc:
            return str(exc.reason)
        except OperationalError:
            return "busy"  # SQLite may refuse a concurrent writer outright

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _: redeem(), range(4)))
    assert outcomes.count("token") == 1
    assert set(outcomes) - {"token"} <= {"code_used", "busy"}
    with Session(engine) as session:
        tokens = session.exec(
            select(OID4VCIAccessToken).where(col(OID4VCIAccessToken.offer_id) == offer["offer_id"])
        ).all()
        assert len(tokens) == 1


def test_concurrent_wrong_pins_are_evaluated_at_most_five_times(
    client: TestClient,
    inst_a: dict[str, Any],
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
) -> None:
    """A burst of guesses cannot outrun the limit, and the right PIN after it gets nothing."""
    learner_id, _ = learner_with_deposits(client, inst_a["headers"])
    offer = make_offer(client, admin, learner_id)
    code = code_of(offer["offer_uri"])
    wrong = f"{(int(offer['tx_code']) + 1) % 10**6:06d}"
    guesses = 12
    barrier = threading.Barrier(guesses)

    def guess(_: int) -> str:
        barrier.wait()
        for _try in range(50):  # SQLite refuses a concurrent writer now and then: try again
            try:
                with Session(engine) as session:
                    try:
                        redeem_pre_authorized_code(session, settings, code, wrong)
                    except InvalidGrant as exc:
                        if exc.keep_writes:
                            session.commit()
                        return str(exc.reason)
                    session.commit()
                    return "token"
            except OperationalError:
                continue
        return "busy"

    with ThreadPoolExecutor(guesses) as pool:
        outcomes = list(pool.map(guess, range(guesses)))
    assert outcomes.count("wrong_tx_code") == MAX_TX_ATTEMPTS
    assert outcomes.count("tx_code_locked") == guesses - MAX_TX_ATTEMPTS
    with Session(engine) as session:
        row = session.get(OID4VCIOffer, offer["offer_id"])
        assert row is not None and row.tx_attempts == MAX_TX_ATTEMPTS
    oauth_error(client.post(TOKEN, data=token_form(offer)), 400, "invalid_grant", "tx_code_locked")
