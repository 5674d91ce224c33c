"""Wallet presentations: chosen disclosures only, a KB-JWT with aud, nonce, iat, sd_hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from keys import Signer, b64url, b64url_decode, generate_private_key, load_public_jwk
from verifier.formats import jws, sd_jwt
from verifier.formats.sd_jwt import Disclosable
from wallet import (
    BadUsage,
    HolderKey,
    HolderMismatch,
    UnknownDisclosure,
    claims_of,
    disclosable_names,
    present,
)

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def issued_for(holder: HolderKey) -> str:
    issuer = Signer(generate_private_key("ES256"), "ES256", "issuer-key")
    claims: dict[str, Any] = {
        "iss": "https://bank.example",
        "vct": sd_jwt.VCT,
        "nbf": 1,
        "cnf": {"jwk": holder.public_jwk()},
        "name": Disclosable("王小明"),
        "masked_id": Disclosable("4101**********1234"),
        "credits": Disclosable(3.5),
        "entries": [
            Disclosable({"title": "数控加工", "credits": 2, "hours": Disclosable(32)}),
            Disclosable({"title": "机器人", "credits": 1.5, "hours": Disclosable(24)}),
        ],
    }
    return sd_jwt.issue(claims, issuer)


@pytest.fixture(scope="module")
def holder() -> HolderKey:
    return HolderKey.generate()


def test_presents_only_the_chosen_claims_with_a_kb_jwt(holder: HolderKey) -> None:
    issued = issued_for(holder)
    presentation = present(
        issued,
        holder,
        ["name", "credits"],
        audience="https://employer.example",
        nonce="n-1",
        now=NOW,
    )
    presented, kb_jwt = presentation.rsplit("~", 1)
    presented += "~"
    parsed = sd_jwt.parse(presentation)
    assert len(parsed.disclosures) == 2
    payload = json.loads(jws.split(parsed.jwt).payload)
    claims = sd_jwt.resolve(payload, sd_jwt.decode_disclosures(parsed.disclosures)).claims
    assert claims["name"] == "王小明" and claims["credits"] == 3.5
    assert "masked_id" not in claims and claims["entries"] == []
    # The KB-JWT: typ kb+jwt, signed by the holder key, bound to this very presentation.
    kb = jws.split(kb_jwt)
    assert kb.header == {"alg": "ES256", "typ": "kb+jwt"}
    body = json.loads(kb.payload)
    assert body["aud"] == "https://employer.example" and body["nonce"] == "n-1"
    assert body["iat"] == int(NOW.timestamp())
    assert body["sd_hash"] == b64url(hashlib.sha256(presented.encode("ascii")).digest())
    public, alg = load_public_jwk({**holder.public_jwk(), "alg": "ES256"})
    jws.check_signature(kb, public, alg)
    sd_jwt.check_kb_jwt(parsed, public, alg)


def test_a_dotted_path_brings_its_enclosing_element(holder: HolderKey) -> None:
    issued = issued_for(holder)
    assert "entries.hours" in disclosable_names(issued)
    presentation = present(issued, holder, ["entries.hours"], audience="a", nonce="n", now=NOW)
    parsed = sd_jwt.parse(presentation)
    payload = json.loads(jws.split(parsed.jwt).payload)
    claims = sd_jwt.resolve(payload, sd_jwt.decode_disclosures(parsed.disclosures)).claims
    assert [e["hours"] for e in claims["entries"]] == [32, 24]
    assert "name" not in claims


def test_claims_of_shows_everything(holder: HolderKey) -> None:
    claims = claims_of(issued_for(holder))
    assert claims["masked_id"] == "4101**********1234"
    assert len(claims["entries"]) == 2


def test_unknown_claim_is_refused(holder: HolderKey) -> None:
    with pytest.raises(UnknownDisclosure) as info:
        present(issued_for(holder), holder, ["salary"], audience="a", nonce="n", now=NOW)
    assert info.value.code == "unknown_disclosure"
    assert "name" in str(info.value)


def test_credential_of_another_holder_is_refused(holder: HolderKey) -> None:
    issued = issued_for(HolderKey.generate())
    with pytest.raises(HolderMismatch) as info:
        present(issued, holder, ["name"], audience="a", nonce="n", now=NOW)
    assert info.value.code == "holder_mismatch"


@pytest.mark.parametrize("text", ["not an sd-jwt", "a.b.c~", "~~"])
def test_unreadable_credential_is_bad_usage(holder: HolderKey, text: str) -> None:
    with pytest.raises(BadUsage):
        present(text, holder, ["name"], audience="a", nonce="n", now=NOW)


def test_holder_key_pem_round_trip(holder: HolderKey) -> None:
    again = HolderKey.from_pem(holder.to_pem())
    assert again.public_jwk() == holder.public_jwk()
    assert again.kid == holder.kid
    assert b64url_decode(holder.public_jwk()["x"])
