"""Open Badges with a Data Integrity proof against the same badge as a JWT: sign and verify.

The same AchievementCredential (our document builder, one deposit), secured twice: an
``eddsa-rdfc-2022`` proof by an Ed25519 key (RDFC-1.0 canonicalization in pure Python by
PyLD, plus the check that every member is defined) and a VC JWT by an ES256 key. The JWT is
the baseline: the ratio says how much slower the JSON-LD form is, offline, both against the
same trust bundle (key state, dates, status).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from benchmarks._timing import compare
from issuer.core.settings import Settings
from issuer.credentials.vc_documents import EntryFacts, Learnerish, achievement_credential
from keys import Signer, public_jwk
from verifier import TrustBundle, verify_ob3, verify_ob3_ldp
from verifier.formats import data_integrity, status_list, trust_bundle, vc_jwt

BASE = "https://creditbank.example"
METHOD = f"{BASE}/issuer/keys/bench#multikey"


def _document() -> dict[str, Any]:
    settings = Settings(_env_file=None, env="test", verify_base_url=BASE)  # type: ignore[call-arg]
    fact = EntryFacts(
        entry_id=1,
        entry_hash="ab" * 32,
        achievement_id=1,
        title="数控加工技术",
        kind="course",
        domain="AM",
        half_credits=6,
        hours=48,
        grade="优秀",
        standard="GE-HOURS@1",
        rule="theory-16h",
        completed_on=date(2025, 6, 30),
        institution_code="U1",
        institution_name_zh="测试大学",
    )
    nbf = int(time.time()) - 60
    return achievement_credential(
        settings,
        Learnerish("欧阳晓明", "cd" * 32, "4101**********1234"),
        fact,
        jti="0f8fad5b-d9cb-469f-a165-70867728950e",
        status_url=f"{BASE}/status-lists/1",
        status_index=7,
        valid_from=vc_jwt.iso(nbf),
        valid_until=None,
    )


def _trust(jwt_key: ec.EllipticCurvePublicKey, proof: ed25519.Ed25519PrivateKey) -> TrustBundle:
    proof_jwk = public_jwk(proof.public_key(), "EdDSA")
    document = {
        "type": trust_bundle.DOCUMENT_TYPE,
        "version": trust_bundle.VERSION,
        "generated_at": vc_jwt.iso(int(time.time()) - 10),
        "next_update": vc_jwt.iso(int(time.time()) + 3600),
        "issuers": [
            {
                "id": "CB-BENCH",
                "name": {"zh": "学分银行", "en": "Credit bank"},
                "keys": [
                    public_jwk(jwt_key, "ES256"),
                    {
                        **proof_jwk,
                        "purpose": "proof",
                        "verification_method": METHOD,
                        "controller": f"{BASE}/issuer",  # the issuer id the documents carry
                    },
                ],
            }
        ],
        "status_lists": [status_list.build("1", "CB-BENCH", 131_072, {}).to_json()],
    }
    return TrustBundle(document)


def run() -> dict[str, Any]:
    """Signatures and verifications per second of both forms, and the ratios."""
    es = ec.generate_private_key(ec.SECP256R1())
    jwt_signer = Signer(es, "ES256", public_jwk(es.public_key(), "ES256")["kid"])
    ed = ed25519.Ed25519PrivateKey.generate()
    proof_signer = Signer(ed, "EdDSA", public_jwk(ed.public_key(), "EdDSA")["kid"])
    document = _document()
    trust = _trust(es.public_key(), ed)

    signing = compare(
        lambda: data_integrity.sign(document, proof_signer, METHOD),
        lambda: vc_jwt.encode(document, jwt_signer),
        loops=3,
        rounds=7,
    )
    secured = data_integrity.sign(document, proof_signer, METHOD)
    token = vc_jwt.encode(document, jwt_signer)
    verifying = compare(
        lambda: verify_ob3_ldp(secured, trust),
        lambda: verify_ob3(token, trust),
        loops=3,
        rounds=7,
    )
    return {
        "ob3_ldp_sign_per_s": round(signing.ours, 1),
        "ob3_jwt_sign_per_s_baseline": round(signing.baseline, 1),
        "ob3_ldp_sign_ratio": round(signing.ratio, 4),
        "ob3_ldp_verify_per_s": round(verifying.ours, 1),
        "ob3_jwt_verify_per_s_baseline": round(verifying.baseline, 1),
        "ob3_ldp_verify_ratio": round(verifying.ratio, 4),
    }
