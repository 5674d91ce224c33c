"""SD-JWT VC issuance and presentation verification: ours versus the ``sd-jwt`` reference.

Same claims, same ES256 keys, same presentation (name, credits and the entries
disclosed, KB-JWT with aud and nonce). Our verification also checks the trust bundle's
key state, dates and status list; the reference checks signatures, digests and the KB-JWT.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from benchmarks._timing import compare
from keys import Signer, public_jwk
from verifier import TrustBundle, verify_sd_jwt_presentation
from verifier.formats import sd_jwt, status_list, trust_bundle
from verifier.formats.holder_key import holder_public_jwk, holder_signer, new_holder_jwk

AUD, NONCE, BASE = "https://hr.example.com", "bench-nonce", "https://creditbank.example"
ENTRIES = [("数控加工技术", 3, 48, "优秀"), ("工业机器人编程", 1, 16, "良好")]


def _claims(holder_jwk: dict[str, Any], nbf: int) -> dict[str, Any]:
    D = sd_jwt.Disclosable
    return {
        "iss": BASE,
        "nbf": nbf,
        "iat": nbf,
        "vct": sd_jwt.VCT,
        "cnf": {"jwk": holder_public_jwk(holder_jwk)},
        "status": {"status_list": {"idx": 4711, "uri": f"{BASE}/status-lists/1"}},
        "name": D("欧阳晓明"),
        "masked_id": D("4101**********1234"),
        "credits": D(4),
        "entries": [
            D({"title": t, "credits": c, "hours": D(h), "grade": D(g)}) for t, c, h, g in ENTRIES
        ],
    }


def _reference_claims(claims: dict[str, Any]) -> dict[Any, Any]:
    from sd_jwt.common import SDObj

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                (SDObj(k) if isinstance(v, sd_jwt.Disclosable) else k): convert(
                    v.value if isinstance(v, sd_jwt.Disclosable) else v
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [
                SDObj(convert(v.value)) if isinstance(v, sd_jwt.Disclosable) else convert(v)
                for v in node
            ]
        return node

    out: dict[Any, Any] = convert(claims)
    out.pop("cnf")  # the reference adds cnf from holder_key itself
    return out


def _trust(signer: Signer, private: ec.EllipticCurvePrivateKey) -> TrustBundle:
    anchor_key = ec.generate_private_key(ec.SECP256R1())
    anchor_jwk = public_jwk(anchor_key.public_key(), "ES256")
    now = datetime.now(UTC)
    document = {
        "type": trust_bundle.DOCUMENT_TYPE,
        "version": trust_bundle.VERSION,
        "generated_at": now.isoformat(),
        "next_update": now.isoformat(),
        "issuers": [
            {
                "id": "CB-BENCH",
                "name": {"zh": "学分银行", "en": "Credit bank"},
                "institutions": [],
                "keys": [{**public_jwk(private.public_key(), "ES256"), "status": "active"}],
            }
        ],
        "status_lists": [status_list.build("1", "CB-BENCH", 131_072, {7: 1}).to_json()],
    }
    anchor = Signer(anchor_key, "ES256", anchor_jwk["kid"])
    return TrustBundle.from_bytes(trust_bundle.sign_bundle(document, anchor), anchor_jwk)


def run() -> dict[str, Any]:
    """Issuances and verifications per second, ours and the reference's, and the ratios."""
    from jwcrypto.jwk import JWK
    from sd_jwt.issuer import SDJWTIssuer
    from sd_jwt.verifier import SDJWTVerifier

    private = ec.generate_private_key(ec.SECP256R1())
    signer = Signer(private, "ES256", public_jwk(private.public_key(), "ES256")["kid"])
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    issuer_jwk = JWK.from_pem(pem)
    holder = new_holder_jwk()
    holder_ref = JWK.from_json(json.dumps(holder))
    nbf = int(time.time()) - 60
    claims = _claims(holder, nbf)
    reference_claims = _reference_claims(claims)
    header = {"typ": sd_jwt.TYP, "kid": signer.kid}

    def ours_issue() -> str:
        return sd_jwt.issue(claims, signer)

    def reference_issue() -> str:
        issued: str = SDJWTIssuer(
            reference_claims,
            issuer_jwk,
            holder_key=holder_ref,
            sign_alg="ES256",
            extra_header_parameters=header,
        ).sd_jwt_issuance
        return issued

    issuance = compare(ours_issue, reference_issue, loops=40, rounds=25)

    trust = _trust(signer, private)
    presentation = sd_jwt.present(
        ours_issue(),
        ("name", "credits", "entries"),
        holder_signer(holder),
        aud=AUD,
        nonce=NONCE,
        iat=int(time.time()),
    )
    public = JWK.from_json(json.dumps(public_jwk(private.public_key(), "ES256")))

    def ours_verify() -> object:
        return verify_sd_jwt_presentation(presentation, trust, audience=AUD, nonce=NONCE)

    def reference_verify() -> object:
        return SDJWTVerifier(
            presentation, lambda iss, hdr: public, expected_aud=AUD, expected_nonce=NONCE
        ).get_verified_payload()

    assert ours_verify() and reference_verify()
    verification = compare(ours_verify, reference_verify, loops=40, rounds=25)
    return {
        "sd_jwt_issue_per_s": round(issuance.ours),
        "sd_jwt_issue_reference_per_s": round(issuance.baseline),
        "sd_jwt_issue_ratio": round(issuance.ratio, 2),
        "sd_jwt_verify_per_s": round(verification.ours),
        "sd_jwt_verify_reference_per_s": round(verification.baseline),
        "sd_jwt_verify_ratio": round(verification.ratio, 2),
        "sd_jwt_target_ratio": 1.5,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
