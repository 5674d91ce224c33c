"""SD-JWT VC presentations from the wallet: only the chosen disclosures, then a KB-JWT.

The wire format has one definition, :mod:`verifier.formats.sd_jwt` (RFC 9901): its
``present`` builds ``<issuer JWT>~<chosen disclosures>~<KB-JWT>`` with a KB-JWT of
``typ: kb+jwt`` and claims ``iat``, ``aud``, ``nonce`` and ``sd_hash`` (base64url SHA-256
of the presented SD-JWT up to and including its last ``~``). This module adds what a
holder needs around it: the names it may disclose, a clear error for any other name,
and a check that the credential is bound to this wallet's key before signing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from verifier import VerificationError
from verifier.formats import jws, sd_jwt
from wallet._errors import BadUsage, HolderMismatch, UnknownDisclosure
from wallet._holder import HolderKey

__all__ = ["ParsedSdJwt", "claims_of", "disclosable_names", "parse_sd_jwt", "present"]


@dataclass(frozen=True)
class ParsedSdJwt:
    """An issued SD-JWT: its payload, its claims with every disclosure in place, its paths."""

    payload: dict[str, Any]
    claims: dict[str, Any]
    #: Dotted paths that can be disclosed (``name``, ``entries``, ``entries.hours``…).
    paths: list[str]


def parse_sd_jwt(issued: str) -> ParsedSdJwt:
    """Read an issued SD-JWT (``jwt~d1~…~dn~``); the issuer's signature is not checked here."""
    try:
        parsed = sd_jwt.parse(issued)
        payload = json.loads(jws.split(parsed.jwt, max_length=sd_jwt.MAX_LENGTH).payload)
        if not isinstance(payload, dict):
            raise BadUsage("the credential's JWT payload is not an object")
        resolved = sd_jwt.resolve(payload, sd_jwt.decode_disclosures(parsed.disclosures))
    except (VerificationError, ValueError) as exc:
        raise BadUsage(f"the credential cannot be read as an SD-JWT: {exc}") from None
    paths = list(dict.fromkeys(path for path, _parent in resolved.paths.values()))
    return ParsedSdJwt(payload, resolved.claims, paths)


def claims_of(issued: str) -> dict[str, Any]:
    """The credential's claims with every disclosure it carries put in place."""
    return parse_sd_jwt(issued).claims


def disclosable_names(issued: str) -> list[str]:
    """The paths that ``present`` accepts in ``disclose``, in order of appearance."""
    return parse_sd_jwt(issued).paths


def present(
    issued: str,
    holder: HolderKey,
    disclose: Iterable[str],
    *,
    audience: str,
    nonce: str,
    now: datetime,
) -> str:
    """The presentation of ``issued`` revealing only ``disclose``, with a KB-JWT for ``audience``.

    A name (``name``, ``credits``) or dotted path (``entries.hours``) reveals what lies
    below it and the enclosing disclosures it needs. Raises :class:`UnknownDisclosure`
    for a path the credential cannot disclose and :class:`HolderMismatch` when the
    credential is bound to another key than ``holder``.
    """
    parsed = parse_sd_jwt(issued)
    wanted = list(dict.fromkeys(name.strip() for name in disclose if name.strip()))
    known = set(parsed.paths)
    unknown = [
        w for w in wanted if w not in known and not any(p.startswith(w + ".") for p in known)
    ]
    if unknown:
        raise UnknownDisclosure(
            f"cannot disclose {', '.join(unknown)}; choose from {', '.join(parsed.paths)}"
        )
    cnf = parsed.payload.get("cnf")
    bound = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(bound, dict) or any(
        bound.get(k) != v for k, v in holder.public_jwk().items()
    ):
        raise HolderMismatch("the credential is not bound to this wallet's holder key")
    return sd_jwt.present(
        issued, wanted, holder, aud=audience, nonce=nonce, iat=int(now.timestamp())
    )
