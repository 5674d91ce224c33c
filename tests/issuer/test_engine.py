"""The conversion engine: shipped standards, caps, validity, and property tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.conversion.engine import Catalogue, Decision, Facts, History, HistoryItem, decide
from issuer.conversion.standard_document import StandardDocument, shipped_documents

CATALOGUE = Catalogue(shipped_documents())
ON = date(2026, 6, 1)


def vocational(name: str, level: str, body: str = "鉴定中心") -> Facts:
    evidence = {"occupation_name": name, "level": level, "certificate_number": "C-1"}
    return Facts("vocational_cert", evidence, date(2025, 5, 1), body)


@pytest.mark.parametrize(
    ("name", "level", "half", "standard", "domain"),
    [
        ("工业机器人系统运维员", "五级", 4, "AM-VOC@1", "AM"),
        ("工业机器人系统运维员", "三级", 12, "AM-VOC@1", "AM"),
        ("人工智能训练师", "二级", 16, "AI-VOC@1", "AI"),
        ("数据标注员", "四级", 6, "AI-VOC@1", "AI"),
        ("农业经理人", "一级", 24, "AG-VOC@1", "AG"),
        ("农机修理工", "四级", 6, "AG-VOC@1", "AG"),
    ],
)
def test_shipped_vocational_rules(
    name: str, level: str, half: int, standard: str, domain: str
) -> None:
    decision = decide(vocational(name, level), CATALOGUE, History(), on=ON)
    assert (decision.half_credits, decision.standard, decision.domain) == (half, standard, domain)
    assert "示范默认值" in decision.explanation_zh
    assert "illustrative default" in decision.explanation_en


def test_unknown_occupation_gets_no_rule() -> None:
    decision = decide(vocational("宇航员", "三级"), CATALOGUE, History(), on=ON)
    assert (decision.half_credits, decision.rule, decision.standard) == (0, "no-rule", "")


def test_teachers_continuing_education_hours() -> None:
    facts = Facts(
        "training",
        {"hours": 72, "provider": "教师进修学校", "continuing_education": True},
        date(2025, 9, 1),
        "教师进修学校",
    )
    decision = decide(facts, CATALOGUE, History(), on=ON)
    assert (decision.standard, decision.rule, decision.half_credits) == ("GE-TCE@1", "tce-18h", 8)
    again = decide(
        facts, CATALOGUE, History.of([HistoryItem("GE-TCE@1", "training", "x", 2025, 6)]), on=ON
    )
    assert again.half_credits == 2
    assert again.caps_applied == ("per_year:8",)


def test_specific_training_rule_beats_the_general_one() -> None:
    facts = Facts(
        "training",
        {"hours": 64, "provider": "p", "occupation_name": "智能制造工程技术人员"},
        date(2025, 9, 1),
        "p",
    )
    decision = decide(facts, CATALOGUE, History(), on=ON)
    assert (decision.standard, decision.rule, decision.half_credits) == (
        "AM-VOC@1",
        "smart-mfg-engineer-training",
        8,
    )


def test_expired_achievement_earns_nothing() -> None:
    facts = Facts("training", {"hours": 40, "provider": "p"}, date(2019, 1, 1), "p")
    decision = decide(facts, CATALOGUE, History(), on=ON)
    assert decision.half_credits == 0
    assert decision.caps_applied == ("validity:5y",)


def test_standard_not_yet_effective_is_not_used() -> None:
    doc = _doc(effective_from="2030-01-01")
    facts = Facts("award", {"level": "national"}, date(2025, 1, 1), "s")
    assert decide(facts, Catalogue([doc]), History(), on=ON).rule == "no-rule"
    assert decide(facts, Catalogue([doc]), History(), on=date(2030, 1, 1)).half_credits == 10


def test_per_source_and_per_kind_caps() -> None:
    doc = _doc(caps={"per_source": 12, "per_kind": {"award": 15}})
    facts = Facts("award", {"level": "national"}, date(2025, 1, 1), "organiser-a")
    used = History.of([HistoryItem("XX-TEST@1", "award", "organiser-a", 2024, 6)])
    decision = decide(facts, Catalogue([doc]), used, on=ON)
    # 10 earned; 9 left of the kind's 15, then 6 left of this organiser's 12.
    assert (decision.half_credits, decision.caps_applied) == (6, ("per_kind:15", "per_source:12"))
    used = History.of([HistoryItem("XX-TEST@7", "award", "organiser-b", 2024, 10)])
    decision = decide(facts, Catalogue([doc]), used, on=ON)
    assert (decision.half_credits, decision.caps_applied) == (5, ("per_kind:15",))


def test_one_effective_version_per_standard() -> None:
    with pytest.raises(ValueError, match="one effective version"):
        Catalogue([_doc(), _doc(version=2)])


def _doc(**overrides: Any) -> StandardDocument:
    base: dict[str, Any] = {
        "standard_id": "XX-TEST",
        "version": 1,
        "title_zh": "测试",
        "title_en": "Test",
        "domain": "GE",
        "rules": [
            {
                "id": "award",
                "kind": "award",
                "label_zh": "奖",
                "label_en": "Award",
                "method": "fixed",
                "half_credits": 10,
            }
        ],
    }
    base.update(overrides)
    return StandardDocument.model_validate(base)


# --- property tests ------------------------------------------------------------------

CAPS: dict[str, Any] = {"per_year": 30, "per_source": 20, "per_kind": {"training": 25, "award": 12}}
PROPERTY_CATALOGUE = Catalogue(
    [
        _doc(
            caps=CAPS,
            validity_years=5,
            rules=[
                {
                    "id": "t",
                    "kind": "training",
                    "label_zh": "培训",
                    "label_en": "Training",
                    "method": "per_hours",
                    "hours_per_credit": 10,
                    "max_half_credits": 40,
                },
                {
                    "id": "a",
                    "kind": "award",
                    "label_zh": "奖",
                    "label_en": "Award",
                    "method": "by_level",
                    "levels": {"national": 9, "provincial": 5},
                },
            ],
        )
    ]
)
sources = st.sampled_from(["s1", "s2", "s3"])
years = st.integers(2020, 2026)
facts_strategy = st.one_of(
    st.builds(
        lambda h, y, s: Facts("training", {"hours": h}, date(y, 3, 1), s),
        st.integers(0, 2_000),
        years,
        sources,
    ),
    st.builds(
        lambda lv, y, s: Facts("award", {"level": lv}, date(y, 3, 1), s),
        st.sampled_from(["national", "provincial", "municipal"]),
        years,
        sources,
    ),
)


def _run(sequence: list[Facts]) -> tuple[list[Decision], list[HistoryItem]]:
    items: list[HistoryItem] = []
    decisions = []
    for facts in sequence:
        decision = decide(facts, PROPERTY_CATALOGUE, History.of(items), on=ON)
        decisions.append(decision)
        if decision.half_credits:
            items.append(
                HistoryItem(
                    decision.standard,
                    facts.kind,
                    facts.source,
                    facts.completed_on.year,
                    decision.half_credits,
                )
            )
    return decisions, items


@settings(max_examples=150, deadline=None)
@given(st.lists(facts_strategy, max_size=25))
def test_never_negative_and_caps_never_exceeded(sequence: list[Facts]) -> None:
    decisions, items = _run(sequence)
    assert all(d.half_credits >= 0 for d in decisions)
    history = History.of(items)
    assert all(v <= CAPS["per_year"] for v in history.per_year.values())
    assert all(v <= CAPS["per_source"] for v in history.per_source.values())
    for (_, kind), used in history.per_kind.items():
        assert used <= CAPS["per_kind"][kind]


@settings(max_examples=100, deadline=None)
@given(st.lists(facts_strategy, max_size=15))
def test_same_input_same_output(sequence: list[Facts]) -> None:
    assert _run(sequence) == _run(list(sequence))
    fresh = Catalogue(PROPERTY_CATALOGUE.documents)
    for facts in sequence:
        assert decide(facts, fresh, History(), on=ON) == decide(
            facts, PROPERTY_CATALOGUE, History(), on=ON
        )
