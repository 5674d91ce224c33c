"""Redemption statement (``cbredemption+jwt``): which credits went toward a qualification.

A compact JWS, header ``{"alg", "kid", "typ": "cbredemption+jwt"}``, payload minified
UTF-8 JSON (see docs/formats.md, "Redemption statement"). Encoder and decoder side by side.
"""

from __future__ import annotations

import json
from typing import Any

from keys import PublicKey
from verifier._errors import MalformedCredential
from verifier.formats.jws import SignerLike, check_signature, sign, split

__all__ = ["TYP", "decode", "encode", "unverified_claims"]

TYP = "cbredemption+jwt"


def encode(claims: dict[str, Any], signer: SignerLike) -> str:
    """Sign ``claims`` with ``signer`` and return the compact JWS."""
    text = json.dumps(claims, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return sign(text.encode("utf-8"), signer, {"kid": signer.kid, "typ": TYP})


def decode(token: str, public: PublicKey, alg: str) -> dict[str, Any]:
    """The claims of ``token`` once ``public`` (with its own ``alg``) verified it."""
    jws = split(token)
    if jws.header.get("typ") != TYP:
        raise MalformedCredential(f"not a redemption statement (typ is not {TYP})")
    if jws.header.get("alg") != alg:
        raise MalformedCredential("the statement was not signed with the key's algorithm")
    check_signature(jws, public, alg)
    try:
        claims = json.loads(jws.payload)
    except ValueError as exc:
        raise MalformedCredential("the statement payload is not JSON") from exc
    if not isinstance(claims, dict):
        raise MalformedCredential("the statement payload is not a JSON object")
    return claims


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a statement this service signed itself, read without verifying.

    Only for showing a stored statement back; anyone relying on it calls :func:`decode`.
    """
    claims = json.loads(split(token).payload)
    assert isinstance(claims, dict)
    return claims
