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

BASE = "https://verify.creditbank.test"


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _change(client: TestClient, admin: dict[str, str], jti: str, status: str) -> None:
    response = client.post(
        f"/credentials/{jti}/status", json={"status": status, "reason": "interop"}, headers=admin
    )
    assert response.status_code == 200, response.text


def _bit(client: TestClient, entry: dict[str, Any]) -> int:
    """The 1-bit status of ``entry`` read from its list credential, by the spec's algorithm."""
    response = client.get(entry["statusListCredential"].removeprefix(BASE))
    assert response.headers["content-type"] == "application/vc+ld+json"
    subject = response.json()["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"]
    # W3C Bitstring Status List §3.2: multibase-decode, GZIP-expand, index 0 = left-most bit.
    assert subject["encodedList"][0] == "u"
    bits = gzip.decompress(_b64(subject["encodedList"][1:]))
    assert len(bits) * 8 >= 131_072
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_jwt_badges_carry_1_bit_revocation_and_suspension_entries(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    """The OB and CLR JWTs (and the badges inside the CLR) name a ``revocation`` and a
    ``suspension`` list, which checkers that ignore ``statusSize`` read correctly."""
    issued = issue_all(client, admin, inst_a, new_holder_jwk())
    keys = KeySet.import_key_set(_jwks(client))
    badge = jwt.decode(issued["ob3"]["token"], keys).claims
    transcript = jwt.decode(issued["clr"]["token"], keys).claims
    inner = transcript["credentialSubject"]["verifiableCredential"][0]["id"]
    inside = jwt.decode(inner.removeprefix("data:application/vc+jwt,"), keys).claims
    entries = {
        name: {e["statusPurpose"]: e for e in claims["credentialStatus"]}
        for name, claims in (("ob3", badge), ("clr", transcript), ("inside", inside))
    }
    for by_purpose in entries.values():
        assert set(by_purpose) == {"revocation", "suspension"}
        assert all("statusSize" not in e for e in by_purpose.values())
    assert entries["inside"] == entries["clr"]  # the transcript's slot

    _change(client, admin, issued["ob3"]["jti"], "revoked")
    _change(client, admin, issued["clr"]["jti"], "suspended")
    assert [_bit(client, entries["ob3"][p]) for p in ("revocation", "suspension")] == [1, 0]
    assert [_bit(client, entries["clr"][p]) for p in ("revocation", "suspension")] == [0, 1]


def test_the_2_bit_message_list_stays_published_for_earlier_jwts(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    """JWTs issued before the 1-bit entries name ``…/bitstring``: it still answers, with the
    same values (1 revoked, 2 suspended) as the 1-bit lists of the same slots."""
    issued = issue_all(client, admin, inst_a, new_holder_jwk())
    keys = KeySet.import_key_set(_jwks(client))
    badge = jwt.decode(issued["ob3"]["token"], keys).claims
    revocation = next(e for e in badge["credentialStatus"] if e["statusPurpose"] == "revocation")
    _change(client, admin, issued["ob3"]["jti"], "revoked")
    _change(client, admin, issued["clr"]["jti"], "suspended")

    path = revocation["statusListCredential"].removeprefix(BASE).removesuffix("/revocation")
    response = client.get(path + "/bitstring")
    assert response.headers["content-type"] == "application/vc+jwt"
    listed = jwt.decode(response.text, keys).claims
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = listed["credentialSubject"]
    assert subject["statusPurpose"] == "message"
    bits = gzip.decompress(_b64(subject["encodedList"][1:]))
    size = 2
    assert len(bits) * 8 >= 131_072 * size

    def value(index: int) -> int:
        out = 0
        for k in range(size):
            position = index * size + k
            out = (out << 1) | ((bits[position // 8] >> (7 - position % 8)) & 1)
        return out

    assert value(int(revocation["statusListIndex"])) == 1  # revoked
    assert value(issued["clr"]["status_index"]) == 2  # suspended


def test_token_status_list(
    client: TestClient, admin: dict[str, str], inst_a: dict[str, Any]
) -> None:
    issued = issue_all(client, admin, inst_a, new_holder_jwk())
    vc = issued["sd-jwt"]
    payload = json.loads(_b64(vc["token"].split("~")[0].split(".")[1]))
    reference = payload["status"]["status_list"]
    _change(client, admin, vc["jti"], "suspended")
    path = reference["uri"].removeprefix(BASE)
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
