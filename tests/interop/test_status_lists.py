"""Our published status lists, decoded with the standard library by the specs' algorithms."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jws, jwt
from joserfc.jwk import KeySet

from tests.interop._issued import issue_all
from verifier.formats.holder_key import new_holder_jwk

pytestmark = pytest.mark.db


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _change(client: TestClient, admin: dict[str, str], jti: str, status: str) -> None:
    response = client.post(
        f"/credentials/{jti}/status", json={"status": status, "reason": "interop"}, headers=admin
    )
    assert response.status_code == 200, response.text


def test_bitstring_status_list_credential(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    issued = issue_all(client, admin, inst_a, new_holder_jwk())
    badge = jwt.decode(issued["ob3"]["token"], KeySet.import_key_set(_jwks(client))).claims
    entry = badge["credentialStatus"]
    _change(client, admin, issued["ob3"]["jti"], "revoked")
    _change(client, admin, issued["clr"]["jti"], "suspended")

    path = entry["statusListCredential"].removeprefix("https://verify.creditbank.test")
    response = client.get(path)
    assert response.headers["content-type"] == "application/vc+jwt"
    listed = jwt.decode(response.text, KeySet.import_key_set(_jwks(client))).claims
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = listed["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"] == "message"
    # W3C Bitstring Status List §3.2: multibase-decode, GZIP-expand, index 0 = left-most bit.
    assert subject["encodedList"][0] == "u"
    bits = gzip.decompress(_b64(subject["encodedList"][1:]))
    size = entry["statusSize"]
    assert len(bits) * 8 >= 131_072 * size

    def value(index: int) -> int:
        out = 0
        for k in range(size):
            position = index * size + k
            out = (out << 1) | ((bits[position // 8] >> (7 - position % 8)) & 1)
        return out

    messages = {int(m["status"], 16): m["message"] for m in entry["statusMessage"]}
    assert messages[value(int(entry["statusListIndex"]))] == "revoked"
    clr_index = issued["clr"]["status_index"]
    assert messages[value(clr_index)] == "suspended"


def test_token_status_list(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    issued = issue_all(client, admin, inst_a, new_holder_jwk())
    vc = issued["sd-jwt"]
    payload = json.loads(_b64(vc["token"].split("~")[0].split(".")[1]))
    reference = payload["status"]["status_list"]
    _change(client, admin, vc["jti"], "suspended")
    path = reference["uri"].removeprefix("https://verify.creditbank.test")
    response = client.get(path)
    assert response.headers["content-type"] == "application/statuslist+jwt"
    compact = jws.deserialize_compact(response.text, KeySet.import_key_set(_jwks(client)))
    claims = json.loads(compact.payload)
    assert claims["sub"] == reference["uri"]
    # IETF Token Status List §4: ZLIB, entry i at bits [i*bits, (i+1)*bits), LSB first.
    bits = claims["status_list"]["bits"]
    raw = zlib.decompress(_b64(claims["status_list"]["lst"]))
    index = reference["idx"]
    per_byte = 8 // bits
    value = (raw[index // per_byte] >> ((index % per_byte) * bits)) & ((1 << bits) - 1)
    assert value == 2  # 0x02 SUSPENDED


def test_unknown_list_is_not_found(client: TestClient) -> None:
    assert client.get("/status-lists/no-such-list").status_code == 404
    assert client.get("/status-lists/no-such-list/bitstring").status_code == 404


def _jwks(client: TestClient) -> dict[str, Any]:
    result: dict[str, Any] = client.get("/.well-known/jwks.json").json()
    return result
