"""A verifier's presentation request: ``creditbank-present:?aud=…&nonce=…&exp=…``.

A university's workspace shows this link (and its QR code) when it asks for an SD-JWT VC
presentation (docs/formats.md "Presentation request"): ``aud`` is the KB-JWT audience
(the university), ``nonce`` the single-use value it was issued, ``exp`` when the nonce
expires (seconds since the epoch). The wallet reads the two values it signs into the
KB-JWT and refuses an expired request rather than making a presentation nobody accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from wallet._errors import BadRequest, RequestExpired

__all__ = ["SCHEME", "PresentationRequest", "parse_request"]

SCHEME = "creditbank-present"
#: A request link is short; anything longer is not one.
MAX_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class PresentationRequest:
    audience: str
    nonce: str
    expires: datetime


def parse_request(uri: str, now: datetime | None = None) -> PresentationRequest:
    """The audience, nonce and expiry of a request link; refuses one that has expired."""
    uri = uri.strip()
    if len(uri) > MAX_LENGTH:
        raise BadRequest("the presentation request is too long to be one")
    parts = urlsplit(uri)
    if parts.scheme != SCHEME:
        raise BadRequest(f"a presentation request starts with {SCHEME}:?")
    try:
        query = parse_qs(parts.query, strict_parsing=True, max_num_fields=10)
    except ValueError:
        raise BadRequest("the presentation request's query cannot be read") from None
    values = {k: v[0] for k, v in query.items() if len(v) == 1}
    aud, nonce, exp = values.get("aud"), values.get("nonce"), values.get("exp")
    if not aud or not nonce or not exp or not exp.isdigit() or len(exp) > 12:
        raise BadRequest("the presentation request needs aud, nonce and exp")
    expires = datetime.fromtimestamp(int(exp), UTC)
    if expires <= (now or datetime.now(UTC)):
        raise RequestExpired(
            f"the request expired at {expires:%Y-%m-%d %H:%M} UTC: ask the verifier for a new one"
        )
    return PresentationRequest(aud, nonce, expires)
