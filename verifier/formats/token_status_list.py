"""IETF Token Status List tokens (``typ: statuslist+jwt``): encode and decode.

The token is built and read by PyJWS; only the ``lst`` claim (strict base64url of ZLIB)
is unpacked here, as no library knows the claim.

The bit layout (``bits`` per entry, LSB first, ZLIB) is :mod:`verifier.formats.status_list`'s;
this module only wraps it in the signed token the service publishes at
``GET /status-lists/{id}``::

    header  {"alg", "kid", "typ": "statuslist+jwt"}
    payload {"sub": <list URL>, "iat", "exp", "ttl", "status_list": {"bits", "lst"}}
"""

from __future__ import annotations

import binascii
import json
import zlib
from typing import Any

from verifier._errors import BadEncoding, MalformedCredential, TooLarge
from verifier.formats import jws
from verifier.formats.jws import SignerLike
from verifier.formats.status_list import StatusList

TYP = "statuslist+jwt"
_MINIFIED = json.JSONEncoder(separators=(",", ":"))
_MAX_LIST_BYTES = 16 * 1024 * 1024


def encode(
    status_list: StatusList, uri: str, signer: SignerLike, *, iat: int, ttl: int, exp: int
) -> str:
    """The signed status list token of ``status_list``, published at ``uri``."""
    lst = status_list.to_json()["lst"]
    payload = {
        "sub": uri,
        "iat": iat,
        "exp": exp,
        "ttl": ttl,
        "status_list": {"bits": status_list.bits, "lst": lst},
    }
    body = _MINIFIED.encode(payload).encode()
    return jws.sign(body, signer, {"kid": signer.kid, "typ": TYP})


def decode_claim(claim: Any, list_id: str = "", issuer: str = "") -> StatusList:
    """The bits of a ``status_list`` claim ``{"bits", "lst"}``; size = all entries of lst."""
    try:
        bits = claim["bits"]
        if bits not in (1, 2, 4, 8):
            raise MalformedCredential(f"status_list.bits must be 1, 2, 4 or 8, not {bits!r}")
        decompressor = zlib.decompressobj()
        raw = decompressor.decompress(jws.strict_b64url(claim["lst"]), _MAX_LIST_BYTES)
    except (KeyError, TypeError):
        raise MalformedCredential("status_list needs bits and lst") from None
    except (ValueError, AttributeError, binascii.Error, zlib.error) as exc:
        raise BadEncoding(f"status_list.lst is not base64url ZLIB: {exc}") from None
    if decompressor.unconsumed_tail:
        raise TooLarge("the status list inflates beyond the cap")
    if not raw:
        raise MalformedCredential("the status list is empty")
    return StatusList(list_id, issuer, bits, len(raw) * 8 // bits, raw)


def decode(token: str) -> tuple[jws.CompactJWS, dict[str, Any], StatusList]:
    """Parse a status list token (signature NOT checked: the caller picks the key)."""
    parsed = jws.split(token.strip(), max_length=_MAX_LIST_BYTES)
    if parsed.header.get("typ") != TYP:
        raise MalformedCredential(f"not a status list token (typ {parsed.header.get('typ')!r})")
    try:
        payload = json.loads(parsed.payload)
        claim = payload["status_list"]
    except (ValueError, KeyError, TypeError):
        raise MalformedCredential("the status list token has no status_list claim") from None
    return parsed, payload, decode_claim(claim, str(payload.get("sub", "")))
