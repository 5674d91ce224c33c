"""Pinned issuers, holders and trust bundles for the OB 3.0 / CLR / SD-JWT VC verifier tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from keys import Signer, b64url, generate_private_key, public_jwk
from verifier import TrustBundle
from verifier.formats import sd_jwt, status_list, trust_bundle
from verifier.formats.holder_key import holder_public_jwk, holder_signer

ISSUER_ID = "CB-TEST"
BASE = "https://creditbank.test"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NBF = int((NOW - timedelta(days=30)).timestamp())
AUD = "https://hr.example.com"
NONCE = "nonce-4711"
LIST_ID = "1"
LIST_SIZE = 131_072


def _signer(private_value: int) -> Signer:
    private = ec.derive_private_key(private_value, ec.SECP256R1())
    jwk = public_jwk(private.public_key(), "ES256")
    return Signer(private, "ES256", jwk["kid"])


#: The pinned issuer key (ES256) and a key the bundle does not know.
ISSUER = _signer(0x1234567890ABCDEF)
STRANGER = _signer(0xFEDCBA0987654321)


def _holder_jwk(private_value: int) -> dict[str, Any]:
    private = ec.derive_private_key(private_value, ec.SECP256R1())
    jwk = {k: v for k, v in public_jwk(private.public_key(), "ES256").items() if k in PUBLIC}
    return {**jwk, "d": b64url(private_value.to_bytes(32, "big"))}


PUBLIC = ("kty", "crv", "x", "y")
#: The pinned holder's private JWK, and another holder's.
HOLDER_JWK = _holder_jwk(0xC0FFEE)
HOLDER = holder_signer(HOLDER_JWK)
OTHER_HOLDER = holder_signer(_holder_jwk(0xBEEF))


def rsa_signer() -> Signer:
    private = generate_private_key("RS256")
    return Signer(private, "RS256", public_jwk(private.public_key(), "RS256")["kid"])


def trust(
    statuses: dict[int, int] | None = None,
    signers: tuple[Signer, ...] = (ISSUER,),
    size: int = LIST_SIZE,
) -> TrustBundle:
    """A bundle trusting ``signers`` with list ``1`` holding ``statuses``."""
    return TrustBundle(bundle_document(statuses, signers, size))


def bundle_document(
    statuses: dict[int, int] | None = None,
    signers: tuple[Signer, ...] = (ISSUER,),
    size: int = LIST_SIZE,
) -> dict[str, Any]:
    """The (unsigned) bundle document behind :func:`trust`."""
    keys = []
    for signer in signers:
        jwk = public_jwk(signer._private.public_key(), signer.alg)
        keys.append({**jwk, "status": "active"})
    return {
        "type": trust_bundle.DOCUMENT_TYPE,
        "version": trust_bundle.VERSION,
        "generated_at": (NOW - timedelta(hours=1)).isoformat(),
        "next_update": (NOW + timedelta(hours=23)).isoformat(),
        "issuers": [
            {
                "id": ISSUER_ID,
                "name": {"zh": "测试学分银行", "en": "Test credit bank"},
                "institutions": [],
                "keys": keys,
            }
        ],
        "status_lists": [status_list.build(LIST_ID, ISSUER_ID, size, statuses or {}).to_json()],
    }


def sd_claims(index: int = 7, **extra: Any) -> dict[str, Any]:
    """SD-JWT VC claims of a two-entry credit certificate bound to HOLDER."""
    D = sd_jwt.Disclosable
    claims: dict[str, Any] = {
        "iss": BASE,
        "nbf": NBF,
        "iat": NBF,
        "vct": sd_jwt.VCT,
        "cnf": {"jwk": holder_public_jwk(HOLDER_JWK)},
        "status": {"status_list": {"idx": index, "uri": f"{BASE}/status-lists/{LIST_ID}"}},
        "name": D("张三"),
        "masked_id": D("4101**********1234"),
        "credits": D(4),
        "entries": [
            D({"title": "数控加工技术", "credits": 3, "hours": D(48), "grade": D("优秀")}),
            D({"title": "工业机器人编程", "credits": 1, "hours": D(16)}),
        ],
    }
    claims.update(extra)
    return claims


def present(
    issued: str,
    disclose: tuple[str, ...] = ("name", "credits"),
    *,
    aud: str = AUD,
    nonce: str = NONCE,
    iat: datetime = NOW,
    holder: Signer = HOLDER,
) -> str:
    return sd_jwt.present(issued, disclose, holder, aud=aud, nonce=nonce, iat=int(iat.timestamp()))
