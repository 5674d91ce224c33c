"""Helpers shared by the OpenID4VCI issuer, wallet and interop tests."""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from tests.issuer.factories import course, create_learner
from wallet import HolderKey

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class HTTPClient(Protocol):
    def post(self, url: str, **kwargs: Any) -> Any: ...


def learner_with_deposits(
    client: HTTPClient, institution_headers: dict[str, str], count: int = 1
) -> tuple[int, list[int]]:
    """A new learner with ``count`` course deposits; their ledger entry ids."""
    learner = create_learner(client, institution_headers, name="王小明")  # type: ignore[arg-type]
    entry_ids = []
    for n in range(count):
        response = client.post(
            f"/learners/{learner['id']}/courses",
            json=course(title=f"数控加工技术{n}", hours=32),
            headers=institution_headers,
        )
        assert response.status_code == 201, response.text
        entry_ids.append(response.json()["entry"]["id"])
    return learner["id"], entry_ids


def make_offer(
    client: HTTPClient, admin: dict[str, str], learner_id: int, **body: Any
) -> dict[str, Any]:
    response = client.post(f"/learners/{learner_id}/credential-offers", json=body, headers=admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def offer_of(offer_uri: str) -> dict[str, Any]:
    """The credential offer JSON inside an offer URI."""
    query = parse_qs(urlsplit(offer_uri).query)
    result: dict[str, Any] = json.loads(query["credential_offer"][0])
    return result


def code_of(offer_uri: str) -> str:
    return str(offer_of(offer_uri)["grants"][PRE_AUTH]["pre-authorized_code"])


def token_form(offer: dict[str, Any], tx_code: str | None = None) -> dict[str, str]:
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": code_of(offer["offer_uri"])}
    form["tx_code"] = offer["tx_code"] if tx_code is None else tx_code
    return form


def proof_jwt(
    holder: HolderKey,
    *,
    aud: str,
    nonce: str | None,
    iat: int,
    header: dict[str, Any] | None = None,
) -> str:
    """A key proof JWT; ``header`` overrides members of the default header."""
    head: dict[str, Any] = {"typ": "openid4vci-proof+jwt", "jwk": holder.public_jwk()}
    head.update(header or {})
    claims: dict[str, Any] = {"aud": aud, "iat": iat}
    if nonce is not None:
        claims["nonce"] = nonce
    return holder.sign_jwt(head, claims)
