"""The transfer check: policy parsing (strict) and evaluation of presented credentials."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks.transfer import ISSUER, NOW, REVOKED_INDEX, Fixture, build
from verifier.formats import cbqr
from verifier.transfer import (
    InvalidPolicy,
    TransferPolicy,
    evaluate,
    load_policy,
    parse_policy,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "transfer-policy.toml"


@pytest.fixture(scope="module")
def fx() -> Fixture:
    return build()


def policy(**changes: Any) -> TransferPolicy:
    return replace(TransferPolicy(name="test", issuers=frozenset({ISSUER})), **changes)


def entry(**changes: Any) -> cbqr.CreditEntry:
    base = cbqr.CreditEntry(
        "机械制图", "AM", "course", 4, 32, "GE-HOURS@1", "ZZIM", dt.date(2026, 6, 30)
    )
    return replace(base, **changes)


def reasons(report: Any) -> list[str | None]:
    return [d.reason for d in report.decisions]


# -- policy -------------------------------------------------------------------------------


def test_example_policy_loads() -> None:
    loaded = load_policy(EXAMPLE)
    assert ISSUER in loaded.issuers
    assert loaded.max_total_half_credits is not None


def test_policy_values_are_read() -> None:
    loaded = parse_policy(
        {
            "name": "U",
            "issuers": ["CB-DEMO"],
            "domains": ["AM"],
            "standards": ["GE-HOURS"],
            "kinds": ["course"],
            "max_achievement_age_days": 365,
            "require_holder_binding": True,
            "limits": {"total_credits": 10.5, "domains": {"AM": 4}},
        }
    )
    assert loaded.max_total_half_credits == 21
    assert loaded.max_domain_half_credits == {"AM": 8}
    assert loaded.accepts_standard("GE-HOURS@3")
    assert not loaded.accepts_standard("AM-VOC@1")
    assert loaded.require_holder_binding


BAD_POLICIES: list[tuple[str, str]] = [
    ('issuers = ["CB-DEMO"]\ncolour = "red"\n', "colour"),
    ('issuers = ["CB-DEMO"]\n[limits]\ntotal = 3\n', "limits.'total'"),
    ('issuers = "CB-DEMO"\n', "issuers"),
    ("issuers = []\n", "issuers"),
    ('name = "x"\n', "issuers"),
    ('issuers = ["CB-DEMO"]\nmax_achievement_age_days = "5y"\n', "max_achievement_age_days"),
    ('issuers = ["CB-DEMO"]\nmax_achievement_age_days = 0\n', "max_achievement_age_days"),
    ('issuers = ["CB-DEMO"]\nrequire_holder_binding = "yes"\n', "require_holder_binding"),
    ('issuers = ["CB-DEMO"]\n[limits]\ntotal_credits = 2.3\n', "total_credits"),
    ('issuers = ["CB-DEMO"]\n[limits]\ntotal_credits = true\n', "total_credits"),
    ('issuers = ["CB-DEMO"]\n[limits]\ndomains = { AM = -1 }\n', "limits.domains.AM"),
    ('issuers = ["CB-DEMO"]\nlimits = 3\n', "limits"),
    ('issuers = ["CB-DEMO"]\nversion = 2\n', "version"),
    ('issuers = ["CB-DEMO"\n', "not valid TOML"),
]


@pytest.mark.parametrize(("text", "named"), BAD_POLICIES)
def test_invalid_policy_is_refused_with_code(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(InvalidPolicy) as info:
        load_policy(path)
    assert info.value.code == "invalid_policy"
    assert named in info.value.detail


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidPolicy, match="cannot read"):
        load_policy(tmp_path / "absent.toml")


# -- evaluation ---------------------------------------------------------------------------


def test_all_accepted_with_totals(fx: Fixture) -> None:
    texts = [fx.credential(i) for i in range(3)]
    report = evaluate(texts, policy(), fx.trust, now=NOW)
    assert report.all_verified
    assert reasons(report) == [None, None, None]
    data = report.to_json()
    assert data["totals"]["accepted_entries"] == 3
    assert data["totals"]["accepted_credits"] == (2 + 3 + 4) / 2
    assert data["learner"] == {"name": "张晓明", "masked_id": "4101**********1234"}
    assert data["request"]["items"] == [{"jti": f"jti-{i:05d}", "position": 0} for i in range(3)]
    json.dumps(data)  # JSON-able as it stands


def test_same_achievement_in_two_credentials_counts_once(fx: Fixture) -> None:
    twice = fx.credential(1, jti="other-credential")
    report = evaluate([fx.credential(1), twice], policy(), fx.trust, now=NOW)
    first, second = report.decisions
    assert first.accepted
    assert (second.accepted, second.reason, second.duplicate_of) == (
        False,
        "duplicate",
        "jti-00001#0",
    )
    assert report.accepted_half_credits == first.entry.half_credits  # type: ignore[union-attr]
    assert report.to_json()["totals"]["duplicates"] == 1


def test_the_same_credential_twice_counts_once(fx: Fixture) -> None:
    text = fx.credential(2)
    report = evaluate([text, text], policy(), fx.trust, now=NOW)
    assert reasons(report) == [None, "duplicate"]


def test_invalid_credentials_carry_the_verifier_code(fx: Fixture) -> None:
    revoked = fx.credential(3, status_index=REVOKED_INDEX)
    jws = cbqr.extract_jws(fx.credential(4))
    middle = len(jws) - 40  # inside the signature, clear of its last (padding) character
    tampered = jws[:middle] + ("A" if jws[middle] != "A" else "B") + jws[middle + 1 :]
    report = evaluate(
        [revoked, tampered, b"\xff\xfe", fx.credential(5)], policy(), fx.trust, now=NOW
    )
    assert reasons(report)[:3] == ["revoked", "bad_signature", "bad_encoding"]
    assert reasons(report)[3] is None
    assert not report.all_verified
    assert report.invalid_sources == ["#1", "#2", "#3"]


def test_issuer_not_accepted(fx: Fixture) -> None:
    report = evaluate(
        [fx.credential(1)], policy(issuers=frozenset({"CB-OTHER"})), fx.trust, now=NOW
    )
    assert reasons(report) == ["issuer_not_accepted"]


def test_holder_binding_required_refuses_qr_credentials(fx: Fixture) -> None:
    report = evaluate([fx.credential(1)], policy(require_holder_binding=True), fx.trust, now=NOW)
    assert reasons(report) == ["holder_binding_required"]


def test_different_learner(fx: Fixture) -> None:
    other = fx.credential(2, name="李四", masked_id="1101**********0000")
    report = evaluate([fx.credential(1), other], policy(), fx.trust, now=NOW)
    assert reasons(report) == [None, "different_learner"]


@pytest.mark.parametrize(
    ("rule", "changed", "reason"),
    [
        ({"domains": frozenset({"AI"})}, {}, "domain_not_accepted"),
        ({"standards": frozenset({"AM-VOC"})}, {}, "standard_not_accepted"),
        ({"standards": frozenset({"GE-HOURS@2"})}, {}, "standard_not_accepted"),
        ({"kinds": frozenset({"vocational_cert"})}, {}, "kind_not_accepted"),
        ({"max_achievement_age_days": 365}, {"date": dt.date(2025, 11, 27)}, "too_old"),
    ],
)
def test_entry_rules(
    fx: Fixture, rule: dict[str, Any], changed: dict[str, Any], reason: str
) -> None:
    text = fx.credential(9, entries=(entry(**changed),))
    assert reasons(evaluate([text], policy(**rule), fx.trust, now=NOW)) == [reason]
    # The same entry passes without the rule: the rule is what refused it.
    assert reasons(evaluate([text], policy(), fx.trust, now=NOW)) == [None]


def test_age_limit_boundary(fx: Fixture) -> None:
    text = fx.credential(9, entries=(entry(date=dt.date(2025, 11, 28)),))
    assert reasons(evaluate([text], policy(max_achievement_age_days=365), fx.trust, now=NOW)) == [
        None
    ]


def test_limits_refuse_whole_entries_and_later_ones_may_fit(fx: Fixture) -> None:
    text = fx.credential(
        10,
        entries=(
            entry(title="a", half_credits=6),
            entry(title="b", half_credits=4),
            entry(title="c", domain="AI", half_credits=4),
            entry(title="d", domain="AI", half_credits=2),
        ),
    )
    rules = policy(max_domain_half_credits={"AM": 8}, max_total_half_credits=9)
    report = evaluate([text], rules, fx.trust, now=NOW)
    assert reasons(report) == [None, "over_domain_limit", "over_total_limit", None]
    assert report.accepted_half_credits == 8
    assert report.accepted_by_domain == {"AM": 6, "AI": 2}


def test_labels_must_match(fx: Fixture) -> None:
    with pytest.raises(ValueError, match="labels"):
        evaluate([fx.credential(1)], policy(), fx.trust, labels=["a", "b"])


def test_open_badge_names_map_back_to_codes() -> None:
    from verifier._transfer_readers import _domain, _kind

    assert _domain("Advanced manufacturing 先进制造") == "AM"
    assert _domain("AI") == "AI"
    assert _domain("Underwater basket weaving") == "Underwater basket weaving"
    assert _kind({"description": "焊接 (one_plus_x, Advanced manufacturing)"}) == "one_plus_x"
    assert _kind({"description": "x (nonsense, y)", "achievementType": "Award"}) == "award"
    assert _kind({"achievementType": "ext:Other"}) == "ext:Other"


def test_a_badge_from_an_unknown_key_is_refused(fx: Fixture) -> None:
    from keys import b64url

    head = b64url(b'{"alg":"ES256","kid":"k","typ":"JWT"}')
    report = evaluate([f"{head}.e30.AAAA"], policy(), fx.trust, now=NOW)
    assert reasons(report) == ["unknown_key"]
