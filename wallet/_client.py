"""OpenID4VCI 1.0 client of the pre-authorized code flow, over HTTP with httpx2.

``receive(offer_uri, holder, tx_code=…)`` reads the offer (by value or by reference),
fetches the issuer and authorization server metadata, redeems the pre-authorized code
with the PIN, and for each offered configuration fetches a ``c_nonce``, signs a key proof
(``openid4vci-proof+jwt``, ``aud`` = the issuer, ``jwk`` = the holder key) when the
configuration is key-bound, and asks the credential endpoint. The wallet talks only to
``https`` URLs, or ``http`` on the loopback interface (for a service run locally).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import httpx2

from wallet._errors import BadOffer, IssuerRefused, IssuerUnreachable
from wallet._holder import HolderKey

__all__ = [
    "OFFER_SCHEME",
    "PRE_AUTHORIZED_GRANT",
    "Offer",
    "Received",
    "parse_offer",
    "receive",
    "well_known",
]

OFFER_SCHEME: Final = "openid-credential-offer"
PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
_LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})
TIMEOUT_SECONDS: Final = 15.0


@dataclass(frozen=True)
class Offer:
    """A parsed credential offer."""

    credential_issuer: str
    configuration_ids: list[str]
    pre_authorized_code: str
    tx_code: dict[str, Any] | None


@dataclass(frozen=True)
class Received:
    """One credential as the credential endpoint returned it."""

    configuration_id: str
    format: str
    credential: str
    issuer: str


def _check_url(url: object, what: str) -> str:
    if not isinstance(url, str):
        raise BadOffer(f"{what} is missing")
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        return url.rstrip("/")
    raise BadOffer(f"{what} must be an https URL (or http on this machine): {url}")


def well_known(identifier: str, suffix: str) -> str:
    """The metadata URL of ``identifier``: ``/.well-known/<suffix>`` inserted before its path.

    OpenID4VCI 1.0 §12.2.2 and RFC 8414 §3.1 put the well-known segment between the host
    and any path of the identifier (``https://h/tenant`` → ``https://h/.well-known/x/tenant``).
    """
    parts = urlsplit(identifier)
    return f"{parts.scheme}://{parts.netloc}/.well-known/{suffix}{parts.path.rstrip('/')}"


def _get_json(client: httpx2.Client, url: str) -> dict[str, Any]:
    try:
        response = client.get(url)
    except httpx2.HTTPError as exc:
        raise IssuerUnreachable(f"cannot reach {url}: {exc}") from None
    if response.status_code != 200:
        raise IssuerRefused(f"GET {url} answered {response.status_code}", error="http_error")
    return _json_object(response, url)


def _json_object(response: httpx2.Response, url: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise IssuerRefused(f"{url} did not answer JSON", error="bad_response") from None
    if not isinstance(body, dict):
        raise IssuerRefused(f"{url} did not answer a JSON object", error="bad_response")
    return body


def parse_offer(offer_uri: str, client: httpx2.Client | None = None) -> Offer:
    """Read an ``openid-credential-offer://`` URI, by value or by reference."""
    parts = urlsplit(offer_uri.strip())
    if parts.scheme != OFFER_SCHEME:
        raise BadOffer(f"not a credential offer: the URI must start with {OFFER_SCHEME}://")
    query = parse_qs(parts.query)
    if "credential_offer" in query:
        try:
            offer = json.loads(query["credential_offer"][0])
        except ValueError:
            raise BadOffer("credential_offer is not JSON") from None
    elif "credential_offer_uri" in query:
        if client is None:
            raise BadOffer("this offer is passed by reference and needs a network client")
        offer = _get_json(client, _check_url(query["credential_offer_uri"][0], "the offer URI"))
    else:
        raise BadOffer("the URI carries neither credential_offer nor credential_offer_uri")
    if not isinstance(offer, dict):
        raise BadOffer("credential_offer is not a JSON object")
    grant = offer.get("grants", {}).get(PRE_AUTHORIZED_GRANT)
    if not isinstance(grant, dict) or not isinstance(grant.get("pre-authorized_code"), str):
        raise BadOffer("the offer has no pre-authorized code (only that flow is supported)")
    ids = offer.get("credential_configuration_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise BadOffer("the offer names no credential_configuration_ids")
    tx_code = grant.get("tx_code")
    return Offer(
        credential_issuer=_check_url(offer.get("credential_issuer"), "credential_issuer"),
        configuration_ids=ids,
        pre_authorized_code=grant["pre-authorized_code"],
        tx_code=tx_code if isinstance(tx_code, dict) else None,
    )


def _refused(response: httpx2.Response, what: str) -> IssuerRefused:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    error = str(body.get("error") or body.get("code") or f"http_{response.status_code}")
    description = str(body.get("error_description") or body.get("detail") or "")
    reason = body.get("reason")
    text = f"the issuer refused the {what}: {error}"
    if isinstance(reason, str):
        text += f"/{reason}"
    if description:
        text += f" ({description})"
    return IssuerRefused(text, error=error, reason=reason if isinstance(reason, str) else None)


def _post(client: httpx2.Client, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = client.post(url, **kwargs)
    except httpx2.HTTPError as exc:
        raise IssuerUnreachable(f"cannot reach {url}: {exc}") from None
    if response.status_code != 200:
        raise _refused(response, what)
    return _json_object(response, url)


def receive(
    offer_uri: str,
    holder: HolderKey,
    *,
    tx_code: str | None,
    now: datetime,
    client: httpx2.Client | None = None,
    on_credential: Callable[[Received], None] | None = None,
) -> list[Received]:
    """Run the pre-authorized code flow for every configuration of the offer.

    ``on_credential`` sees each credential as soon as it arrives: the issuer hands out each
    configuration once per offer, so a caller keeps it even if a later request fails.
    """
    own = client is None
    http = client or httpx2.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    try:
        return _receive(http, offer_uri, holder, tx_code, now, on_credential)
    finally:
        if own:
            http.close()


def _receive(
    http: httpx2.Client,
    offer_uri: str,
    holder: HolderKey,
    tx_code: str | None,
    now: datetime,
    on_credential: Callable[[Received], None] | None,
) -> list[Received]:
    offer = parse_offer(offer_uri, http)
    if offer.tx_code is not None and not tx_code:
        raise BadOffer("this offer needs the PIN shown by the credit bank (--pin)")
    issuer = offer.credential_issuer
    meta = _get_json(http, well_known(issuer, "openid-credential-issuer"))
    if meta.get("credential_issuer", "").rstrip("/") != issuer:
        raise IssuerRefused("the issuer metadata names another issuer", error="bad_metadata")
    servers = meta.get("authorization_servers") or [issuer]
    auth_server = _check_url(servers[0], "the authorization server")
    as_meta = _get_json(http, well_known(auth_server, "oauth-authorization-server"))
    token_endpoint = _check_url(as_meta.get("token_endpoint"), "the token endpoint")
    credential_endpoint = _check_url(meta.get("credential_endpoint"), "the credential endpoint")
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": offer.pre_authorized_code}
    if tx_code:
        form["tx_code"] = tx_code
    token = _post(http, token_endpoint, "token request", data=form)
    access_token = token.get("access_token")
    if not isinstance(access_token, str):
        raise IssuerRefused("the token response has no access_token", error="bad_response")
    configurations = meta.get("credential_configurations_supported", {})
    out: list[Received] = []
    for configuration_id in offer.configuration_ids:
        config = configurations.get(configuration_id)
        if not isinstance(config, dict):
            raise IssuerRefused(
                f"the issuer does not describe {configuration_id}", error="bad_metadata"
            )
        request: dict[str, Any] = {"credential_configuration_id": configuration_id}
        if "jwt" in config.get("proof_types_supported", {}):
            nonce_endpoint = _check_url(meta.get("nonce_endpoint"), "the nonce endpoint")
            c_nonce = _post(http, nonce_endpoint, "nonce request").get("c_nonce")
            if not isinstance(c_nonce, str):
                raise IssuerRefused("the nonce response has no c_nonce", error="bad_response")
            proof = holder.sign_jwt(
                {"typ": "openid4vci-proof+jwt", "jwk": holder.public_jwk()},
                {"aud": issuer, "iat": int(now.timestamp()), "nonce": c_nonce},
            )
            request["proofs"] = {"jwt": [proof]}
        body = _post(
            http,
            credential_endpoint,
            "credential request",
            json=request,
            headers={"Authorization": f"Bearer {access_token}"},
        )
        for item in body.get("credentials", []):
            credential = item.get("credential") if isinstance(item, dict) else None
            if isinstance(credential, dict):
                # ldp_vc: a JSON-LD credential with an embedded proof, kept as its JSON text
                credential = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
            if isinstance(credential, str):
                got = Received(configuration_id, str(config.get("format")), credential, issuer)
                out.append(got)
                if on_credential is not None:
                    on_credential(got)
    return out
