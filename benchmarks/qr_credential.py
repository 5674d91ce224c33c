"""QR credential (cbqr) issuance and verification versus bare ES256 sign and verify."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from benchmarks._timing import compare
from issuer.credentials.qr_image import qr_version
from keys import Signer, b64url_decode, public_jwk
from verifier import TrustBundle, verify
from verifier.formats import cbqr, status_list, trust_bundle

#: A course title of exactly 20 Chinese characters, the size target's reference case.
TITLE_20 = "工业机器人系统运维与智能制造导论课程实践"
BASE_URL = "http://127.0.0.1:8000"
NOW = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)


def one_entry_credential(title: str = TITLE_20) -> cbqr.QRCredential:
    entry = cbqr.CreditEntry(
        title, "AM", "course", 5, 40, "GE-HOURS@1", "ZZIM", dt.date(2026, 6, 30)
    )
    return cbqr.QRCredential(
        issuer="CB-DEMO",
        jti="Xk3Jd9aQ2LmP",  # 12 characters, as issued (72 random bits)
        nbf=int(NOW.timestamp()) - 86_400,
        exp=None,
        name="欧阳晓明",
        masked_id="4101**********1234",
        entries=(entry,),
        status_list="1",
        status_index=98_765,
    )


def _trust(signing_jwk: dict[str, Any], anchor: Signer, anchor_jwk: dict[str, Any]) -> TrustBundle:
    document = {
        "type": trust_bundle.DOCUMENT_TYPE,
        "version": trust_bundle.VERSION,
        "generated_at": "2026-11-27T23:00:00Z",
        "next_update": "2026-11-28T23:00:00Z",
        "issuers": [
            {
                "id": "CB-DEMO",
                "name": {"zh": "示范学分银行", "en": "Demo Credit Bank"},
                "institutions": [],
                "keys": [{**signing_jwk, "status": "active"}],
            }
        ],
        "status_lists": [status_list.build("1", "CB-DEMO", 131_072, {7: 1}).to_json()],
    }
    return TrustBundle.from_bytes(trust_bundle.sign_bundle(document, anchor), anchor_jwk)


_ECDSA = ec.ECDSA(hashes.SHA256())


def bare_es256_verify(public: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> None:
    """The least an ES256 verify takes with cryptography: JWS r||s to DER, then verify."""
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    public.verify(encode_dss_signature(r, s), data, _ECDSA)


def bare_es256_sign(private: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """The least an ES256 sign takes with cryptography: sign, then DER to JWS r||s."""
    r, s = decode_dss_signature(private.sign(data, _ECDSA))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _signer() -> tuple[ec.EllipticCurvePrivateKey, Signer, dict[str, Any]]:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = public_jwk(private.public_key(), "ES256")
    return private, Signer(private, "ES256", jwk["kid"]), jwk


def run(rounds: int = 41, loops: int = 200) -> dict[str, Any]:
    """Issue and verify rates beside bare ES256 sign and verify of the same bytes."""
    private, signer, signing_jwk = _signer()
    _, anchor, anchor_jwk = _signer()
    trust = _trust(signing_jwk, anchor, anchor_jwk)
    credential = one_entry_credential()
    qr_text = cbqr.to_qr_text(cbqr.encode(credential, signer), BASE_URL)
    jws = cbqr.extract_jws(qr_text)
    head, body, sig = jws.split(".")
    signing_input = f"{head}.{body}".encode("ascii")
    raw = b64url_decode(sig)
    public = private.public_key()

    verify_cmp = compare(
        lambda: verify(qr_text, trust, now=NOW),
        lambda: bare_es256_verify(public, raw, signing_input),
        loops=loops,
        rounds=rounds,
    )
    issue_cmp = compare(
        lambda: cbqr.issue_qr(credential, signer, BASE_URL),
        lambda: bare_es256_sign(private, signing_input),
        loops=loops,
        rounds=rounds,
    )
    return {
        "verify_per_second": round(verify_cmp.ours),
        "raw_es256_verify_per_second": round(verify_cmp.baseline),
        "verify_ratio": round(verify_cmp.ratio, 3),
        "verify_ratio_of_best_rates": round(verify_cmp.ours / verify_cmp.baseline, 3),
        "verify_ratio_target": 0.50,
        "issue_per_second": round(issue_cmp.ours),
        "raw_es256_sign_per_second": round(issue_cmp.baseline),
        "issue_ratio": round(issue_cmp.ratio, 3),
        "issue_ratio_of_best_rates": round(issue_cmp.ours / issue_cmp.baseline, 3),
        "issue_ratio_target": 0.35,
        "qr_version_one_entry": qr_version(qr_text),
        "qr_version_target": 16,
        "qr_one_entry_jws_chars": len(jws),
        "qr_one_entry_title_chars": len(TITLE_20),
    }
