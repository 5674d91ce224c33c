"""Open Badges 3.0 / CLR 2.0 JWTs: the RS256 badge key against the ES256 signing key.

OB/CLR JWTs are signed RS256 (RSA-3072) by default since OB 3.0 §8.2 makes RS256 the one
algorithm every verifier supports (docs/formats.md §1.1); this measures what that costs
against ES256, the baseline, for one badge and for a CLR transcript enveloping eight
badges (nine signatures), and the offline verification of each.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks._timing import compare
from keys import Signer, generate_private_key, public_jwk
from verifier import TrustBundle, verify_clr, verify_ob3
from verifier.formats import bitstring_status, status_list, vc_jwt

BASE = "https://creditbank.example"
BADGES_PER_CLR = 8


def _signer(alg: str) -> Signer:
    private = generate_private_key(alg)
    return Signer(private, alg, public_jwk(private.public_key(), alg)["kid"])


def _badge(index: int) -> dict[str, Any]:
    return {
        "@context": [vc_jwt.VC_CONTEXT, vc_jwt.OB_CONTEXT],
        "id": f"urn:uuid:0f8fad5b-d9cb-469f-a165-7086772895{index:02d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f"{BASE}/issuer", "type": ["Profile"], "name": "学分银行"},
        "validFrom": vc_jwt.iso(int(datetime.now(UTC).timestamp()) - 60),
        "name": "数控加工技术",
        "credentialSubject": {
            "id": "urn:creditbank:learner:abc",
            "type": ["AchievementSubject"],
            "creditsEarned": 3,
            "achievement": {"id": f"{BASE}/achievements/{index}", "type": ["Achievement"]},
        },
        "credentialStatus": bitstring_status.purpose_entries(f"{BASE}/status-lists/1", 5),
    }


def _kid(signer: Signer) -> str:
    return f"{BASE}/issuer/keys/{signer.kid}"


def _clr(signer: Signer) -> str:
    inner = [vc_jwt.encode(_badge(i), signer, kid=_kid(signer)) for i in range(BADGES_PER_CLR)]
    document = _badge(99)
    document["type"] = ["VerifiableCredential", "ClrCredential"]
    document["credentialSubject"] = {
        "type": ["ClrSubject"],
        "verifiableCredential": [
            {
                "@context": vc_jwt.VC_CONTEXT,
                "id": vc_jwt.ENVELOPED_PREFIX + token,
                "type": "EnvelopedVerifiableCredential",
            }
            for token in inner
        ],
    }
    return vc_jwt.encode(document, signer, kid=_kid(signer))


def _trust(*signers: Signer) -> TrustBundle:
    now = datetime.now(UTC)
    keys = [
        {
            **public_jwk(s._private.public_key(), s.alg),
            "id": _kid(s),
            "status": "active",
        }
        for s in signers
    ]
    return TrustBundle(
        {
            "generated_at": now.isoformat(),
            "next_update": (now + timedelta(days=1)).isoformat(),
            "issuers": [{"id": "CB-BENCH", "name": {"zh": "学分银行", "en": "Bank"}, "keys": keys}],
            "status_lists": [status_list.build("1", "CB-BENCH", 131_072, {}).to_json()],
        }
    )


def run() -> dict[str, Any]:
    """Signatures and verifications per second, RS256 (ours) against ES256 (baseline)."""
    rsa, ec = _signer("RS256"), _signer("ES256")
    trust = _trust(rsa, ec)
    badge = _badge(1)
    sign = compare(
        lambda: vc_jwt.encode(badge, rsa, kid=_kid(rsa)),
        lambda: vc_jwt.encode(badge, ec, kid=_kid(ec)),
        loops=20,
        rounds=15,
    )
    clr = compare(lambda: _clr(rsa), lambda: _clr(ec), loops=3, rounds=9)
    rsa_badge, ec_badge = (vc_jwt.encode(badge, s, kid=_kid(s)) for s in (rsa, ec))
    verify = compare(
        lambda: verify_ob3(rsa_badge, trust),
        lambda: verify_ob3(ec_badge, trust),
        loops=40,
        rounds=15,
    )
    rsa_clr, ec_clr = _clr(rsa), _clr(ec)
    verify_transcript = compare(
        lambda: verify_clr(rsa_clr, trust), lambda: verify_clr(ec_clr, trust), loops=5, rounds=9
    )
    return {
        "ob3_sign_rs256_per_s": round(sign.ours),
        "ob3_sign_es256_per_s": round(sign.baseline),
        "ob3_sign_rs256_vs_es256_ratio": round(sign.ratio, 2),
        "clr8_sign_rs256_per_s": round(clr.ours, 1),
        "clr8_sign_es256_per_s": round(clr.baseline, 1),
        "clr8_sign_rs256_vs_es256_ratio": round(clr.ratio, 2),
        "ob3_verify_rs256_per_s": round(verify.ours),
        "ob3_verify_es256_per_s": round(verify.baseline),
        "ob3_verify_rs256_vs_es256_ratio": round(verify.ratio, 2),
        "clr8_verify_rs256_per_s": round(verify_transcript.ours, 1),
        "clr8_verify_es256_per_s": round(verify_transcript.baseline, 1),
        "clr8_verify_rs256_vs_es256_ratio": round(verify_transcript.ratio, 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
