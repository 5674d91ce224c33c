"""An SD-JWT VC presentation in the transfer check: verified by the caller, then the policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.verifier import vc_fixtures as fx
from verifier import MalformedCredential, verify_sd_jwt_presentation
from verifier.formats import sd_jwt
from verifier.transfer import (
    PresentedCredential,
    TransferPolicy,
    evaluate,
    read_sd_jwt_presentation,
)

D = sd_jwt.Disclosable


def _entry(title: str, credits: float, domain: str = "AM") -> Any:
    return D(
        {
            "title": title,
            "domain": domain,
            "kind": "course",
            "credits": credits,
            "standard": "GE-HOURS@1",
            "institution": D("ZZIM"),
            "date": D("2025-06-30"),
        }
    )


def _presented(
    disclose: tuple[str, ...] = ("name", "entries"), **extra: Any
) -> PresentedCredential:
    claims = fx.sd_claims(
        jti="sd-1", entries=[_entry("数控加工技术", 3), _entry("机器学习", 2, "AI")], **extra
    )
    presentation = fx.present(sd_jwt.issue(claims, fx.ISSUER), disclose)
    verified = verify_sd_jwt_presentation(
        presentation, fx.trust(), audience=fx.AUD, nonce=fx.NONCE, now=fx.NOW
    )
    return read_sd_jwt_presentation(verified)


def test_the_disclosed_entries_are_read_holder_bound() -> None:
    cred = _presented()
    assert (cred.format, cred.jti, cred.subject_name, cred.holder_bound) == (
        "dc+sd-jwt",
        "sd-1",
        "张三",
        True,
    )
    assert [(e.title, e.half_credits, e.domain, e.institution) for e in cred.entries] == [
        ("数控加工技术", 6, "AM", "ZZIM"),
        ("机器学习", 4, "AI", "ZZIM"),
    ]


def test_a_verified_presentation_goes_through_the_policy() -> None:
    trust = fx.trust()
    policy = TransferPolicy(
        name="t",
        issuers=frozenset({fx.ISSUER_ID}),
        domains=frozenset({"AM"}),
        require_holder_binding=True,
    )
    report = evaluate([_presented()], policy, trust, now=fx.NOW, labels=["p.txt"])
    assert [(d.source, d.accepted, d.reason) for d in report.decisions] == [
        ("p.txt", True, None),
        ("p.txt", False, "domain_not_accepted"),
    ]
    assert report.accepted_half_credits == 6


@pytest.mark.parametrize("disclose", [("name",), ("name", "entries.title")])
def test_entries_not_disclosed_are_malformed(disclose: tuple[str, ...]) -> None:
    with pytest.raises(MalformedCredential) as caught:
        _presented(disclose)
    assert caught.value.code == "malformed"
