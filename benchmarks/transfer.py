"""Transfer report over 200 credentials (target ≤ 1 s) beside 200 bare verifications.

:func:`build` also serves the transfer tests: a signed trust bundle, its anchor and
any number of ``cbqr`` credentials of one learner, all made in memory.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from keys import Signer, public_jwk
from verifier import TrustBundle, verify
from verifier.formats import cbqr, status_list, trust_bundle
from verifier.transfer import TransferPolicy, evaluate

ISSUER = "CB-DEMO"
NOW = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
BASE_URL = "https://verify.creditbank.test"
REVOKED_INDEX = 7
DOMAINS = ("AM", "AI", "AG", "GE")


@dataclass
class Fixture:
    """A signed bundle, its anchor JWK, and a signer whose credentials it trusts."""

    bundle_text: str
    anchor_jwk: dict[str, Any]
    trust: TrustBundle
    signer: Signer

    def credential(self, index: int, **changes: Any) -> str:
        """The QR text of credential ``index`` (one entry, distinct achievement per index)."""
        entry = cbqr.CreditEntry(
            title=f"课程 {index:04d} 工业机器人",
            domain=DOMAINS[index % len(DOMAINS)],
            kind="course",
            half_credits=2 + index % 3,
            hours=32,
            standard="GE-HOURS@1",
            institution="ZZIM",
            date=dt.date(2026, 6, 30),
        )
        cred = cbqr.QRCredential(
            issuer=ISSUER,
            jti=f"jti-{index:05d}",
            nbf=int(NOW.timestamp()) - 86_400,
            exp=None,
            name="张晓明",
            masked_id="4101**********1234",
            entries=(entry,),
            status_list="1",
            status_index=100 + index,
        )
        return cbqr.to_qr_text(cbqr.encode(replace(cred, **changes), self.signer), BASE_URL)


def _signer() -> tuple[Signer, dict[str, Any]]:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = public_jwk(private.public_key(), "ES256")
    return Signer(private, "ES256", jwk["kid"]), jwk


def build() -> Fixture:
    """A fresh issuer key, anchor and bundle (status index 7 revoked)."""
    signer, signing_jwk = _signer()
    anchor, anchor_jwk = _signer()
    document = {
        "type": trust_bundle.DOCUMENT_TYPE,
        "version": trust_bundle.VERSION,
        "generated_at": (NOW - dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        "next_update": (NOW + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        "issuers": [
            {
                "id": ISSUER,
                "name": {"zh": "示范学分银行", "en": "Demo Credit Bank"},
                "institutions": [{"id": "ZZIM", "name": {"zh": "示范学院", "en": "Demo College"}}],
                "keys": [{**signing_jwk, "status": "active"}],
            }
        ],
        "status_lists": [
            status_list.build("1", ISSUER, 131_072, {REVOKED_INDEX: status_list.REVOKED}).to_json()
        ],
    }
    text = trust_bundle.sign_bundle(document, anchor)
    return Fixture(text, anchor_jwk, TrustBundle.from_bytes(text, anchor_jwk), signer)


def run(count: int = 200, rounds: int = 7) -> dict[str, Any]:
    """Seconds for a transfer report over ``count`` credentials (best and median of rounds)."""
    fixture = build()
    texts = [fixture.credential(i) for i in range(count)]
    policy = TransferPolicy(
        name="bench",
        issuers=frozenset({ISSUER}),
        domains=frozenset({"AM", "AI", "GE"}),
        max_total_half_credits=400,
        max_domain_half_credits={"AM": 200},
    )
    report_times, verify_times = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        report = evaluate(texts, policy, fixture.trust, now=NOW)
        report.to_json()
        report_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for text in texts:
            verify(text, fixture.trust, now=NOW)
        verify_times.append(time.perf_counter() - start)
    assert report.all_verified
    best, base = min(report_times), min(verify_times)
    return {
        "transfer_report_credentials": count,
        "transfer_report_seconds": round(best, 4),
        "transfer_report_seconds_median": round(statistics.median(report_times), 4),
        "transfer_report_seconds_target": 1.0,
        "transfer_bare_verify_seconds": round(base, 4),
        "transfer_report_over_bare_verify_ratio": round(best / base, 3),
    }
