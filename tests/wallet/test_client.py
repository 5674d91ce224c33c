"""Reading credential offers: what the wallet accepts and what it refuses before any request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx2
import pytest

from wallet import (
    BadOffer,
    HolderKey,
    IssuerRefused,
    WalletStore,
    parse_offer,
    receive,
    receive_into,
)
from wallet._client import well_known

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def uri(offer: object) -> str:
    return "openid-credential-offer://?credential_offer=" + quote(json.dumps(offer))


def offer(issuer: str = "https://bank.example", **grant: object) -> dict[str, object]:
    return {
        "credential_issuer": issuer,
        "credential_configuration_ids": ["creditbank_credit_sd_jwt"],
        "grants": {PRE_AUTH: {"pre-authorized_code": "abc", **grant}},
    }


def test_offer_by_value_is_read() -> None:
    parsed = parse_offer(uri(offer(tx_code={"length": 6})))
    assert parsed.credential_issuer == "https://bank.example"
    assert parsed.pre_authorized_code == "abc"
    assert parsed.configuration_ids == ["creditbank_credit_sd_jwt"]
    assert parsed.tx_code == {"length": 6}


def test_loopback_http_is_allowed_for_a_local_service() -> None:
    assert parse_offer(uri(offer("http://127.0.0.1:8000/"))).credential_issuer == (
        "http://127.0.0.1:8000"
    )


@pytest.mark.parametrize(
    "text",
    [
        "https://bank.example/offer",
        "openid-credential-offer://?nothing=1",
        "openid-credential-offer://?credential_offer=%7Bnot-json",
        uri([1, 2]),
        uri(offer("http://bank.example")),  # plain http off this machine
        uri({**offer(), "grants": {}}),
        uri({**offer(), "credential_configuration_ids": []}),
        "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fbank.example%2Fo",
    ],
)
def test_bad_offers_are_refused(text: str) -> None:
    with pytest.raises(BadOffer) as info:
        parse_offer(text)
    assert info.value.code == "bad_offer" and info.value.exit_status == 2


def test_offer_with_pin_needs_the_pin_before_any_request() -> None:
    # No server exists at this address: the refusal comes before any connection.
    text = uri(offer("http://127.0.0.1:9", tx_code={"length": 6}))
    with pytest.raises(BadOffer, match="PIN"):
        receive(text, HolderKey.generate(), tx_code=None, now=datetime.now(UTC))


def test_well_known_goes_between_host_and_path() -> None:
    assert well_known("https://h.example", "openid-credential-issuer") == (
        "https://h.example/.well-known/openid-credential-issuer"
    )
    assert well_known("https://h.example/tenant/", "oauth-authorization-server") == (
        "https://h.example/.well-known/oauth-authorization-server/tenant"
    )


def test_a_credential_already_received_is_kept_when_a_later_one_fails(tmp_path: Path) -> None:
    """The issuer gives each configuration once, so the wallet saves each on arrival."""
    issuer = "https://bank.example"
    metadata = {
        "credential_issuer": issuer,
        "credential_endpoint": f"{issuer}/oid4vci/credential",
        "nonce_endpoint": f"{issuer}/oid4vci/nonce",
        "credential_configurations_supported": {
            "first": {"format": "jwt_vc_json"},
            "second": {"format": "jwt_vc_json"},
        },
    }

    def handler(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path == "/.well-known/openid-credential-issuer":
            return httpx2.Response(200, json=metadata)
        if path == "/.well-known/oauth-authorization-server":
            return httpx2.Response(200, json={"token_endpoint": f"{issuer}/oid4vci/token"})
        if path == "/oid4vci/token":
            return httpx2.Response(200, json={"access_token": "t", "token_type": "Bearer"})
        body = json.loads(request.content)
        if body["credential_configuration_id"] == "first":
            return httpx2.Response(200, json={"credentials": [{"credential": "a.b.c"}]})
        return httpx2.Response(
            400, json={"error": "credential_request_denied", "error_description": "no"}
        )

    text = uri({**offer(issuer), "credential_configuration_ids": ["first", "second"]})
    store = WalletStore(tmp_path, b"pass", scrypt_n=2**10)
    with (
        httpx2.Client(transport=httpx2.MockTransport(handler)) as client,
        pytest.raises(IssuerRefused) as info,
    ):
        receive_into(store, text, tx_code=None, now=datetime.now(UTC), client=client)
    assert info.value.error == "credential_request_denied"
    kept = WalletStore(tmp_path, b"pass").credentials
    assert [(c.configuration_id, c.credential) for c in kept] == [("first", "a.b.c")]
