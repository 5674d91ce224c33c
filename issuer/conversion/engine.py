"""The conversion engine: achievement + effective standards + account history → decision.

Pure and deterministic: no clock, no database, no randomness. The same inputs always
give the same :class:`Decision`, which names the standard version and rule that
produced it, the caps that reduced it and explains itself in Chinese and English.

Rule choice: among the effective standards' rules for the achievement's kind, the
most specific (most ``match`` fields) wins, then the lowest standard id, then the
rule's position in its document. Caps are counted per ``standard_id`` across its
versions, so a new version does not reset what a learner has already used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from issuer.conversion.standard_document import Rule, StandardDocument

__all__ = ["Catalogue", "Decision", "Facts", "History", "HistoryItem", "decide"]


@dataclass(frozen=True, slots=True)
class Facts:
    """What the engine needs to know about one achievement."""

    kind: str
    evidence: Mapping[str, Any]
    completed_on: date
    source: str
    domain: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one conversion."""

    half_credits: int
    standard: str
    rule: str
    domain: str
    caps_applied: tuple[str, ...]
    explanation_zh: str
    explanation_en: str

    @property
    def credits_text(self) -> str:
        """Credits as an exact decimal string, e.g. ``"1.5"``."""
        return _credits(self.half_credits)


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One earlier recognition on the account (recognised or pending review)."""

    standard: str
    kind: str
    source: str
    year: int
    half_credits: int


@dataclass(frozen=True)
class History:
    """Half-credits already used per cap, aggregated once from the account's recognitions."""

    per_year: Mapping[tuple[str, int], int] = field(default_factory=dict)
    per_kind: Mapping[tuple[str, str], int] = field(default_factory=dict)
    per_source: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def of(cls, items: Iterable[HistoryItem]) -> History:
        """Aggregate ``items``; their standard refs (``ID@v``) count for ``ID``."""
        per_year: dict[tuple[str, int], int] = {}
        per_kind: dict[tuple[str, str], int] = {}
        per_source: dict[tuple[str, str], int] = {}
        for item in items:
            sid = item.standard.partition("@")[0]
            per_year[sid, item.year] = per_year.get((sid, item.year), 0) + item.half_credits
            per_kind[sid, item.kind] = per_kind.get((sid, item.kind), 0) + item.half_credits
            key = (sid, item.source)
            per_source[key] = per_source.get(key, 0) + item.half_credits
        return cls(per_year, per_kind, per_source)


EMPTY_HISTORY = History()


@dataclass(frozen=True, slots=True)
class _Compiled:
    document: StandardDocument
    rule: Rule
    match: tuple[tuple[str, Any], ...]
    ref: str


class Catalogue:
    """Effective standards compiled for fast decisions (rules indexed by kind)."""

    def __init__(self, documents: Iterable[StandardDocument]) -> None:
        docs = sorted(documents, key=lambda d: (d.standard_id, d.version))
        ids = [d.standard_id for d in docs]
        if len(ids) != len(set(ids)):
            raise ValueError("a catalogue holds one effective version per standard")
        ranked: list[tuple[int, str, int, _Compiled]] = []
        for doc in docs:
            for position, rule in enumerate(doc.rules):
                compiled = _Compiled(doc, rule, tuple(sorted(rule.match.items())), doc.ref)
                ranked.append((-len(rule.match), doc.standard_id, position, compiled))
        ranked.sort(key=lambda r: r[:3])
        self.documents: tuple[StandardDocument, ...] = tuple(docs)
        self._by_kind: dict[str, list[_Compiled]] = {}
        for *_, compiled in ranked:
            self._by_kind.setdefault(compiled.rule.kind, []).append(compiled)

    def candidates(self, kind: str) -> list[_Compiled]:
        """The rules for ``kind`` in the order they are tried."""
        return self._by_kind.get(kind, [])


def _credits(half: int) -> str:
    whole, rest = divmod(half, 2)
    return f"{whole}.5" if rest else str(whole)


def _base(rule: Rule, evidence: Mapping[str, Any]) -> int | None:
    """Half-credits before caps, or None when the evidence lacks what the rule needs."""
    method = rule.method
    if method == "fixed":
        return rule.half_credits
    if method == "by_level":
        assert rule.levels is not None
        return rule.levels.get(evidence.get("level", ""))
    if method == "per_hours":
        hours = evidence.get("hours")
        assert rule.hours_per_credit is not None
        return None if not isinstance(hours, int) else (hours * 2) // rule.hours_per_credit
    months = evidence.get("months")
    assert rule.months_per_credit is not None
    return None if not isinstance(months, int) else (months * 2) // rule.months_per_credit


def _no_rule(facts: Facts) -> Decision:
    return Decision(
        0,
        "",
        "no-rule",
        facts.domain or "GE",
        (),
        f"没有现行转换标准的规则适用于此{facts.kind}成果，不认定学分",
        f"no rule of an effective conversion standard applies to this {facts.kind}: 0 credits",
    )


def decide(facts: Facts, catalogue: Catalogue, history: History, *, on: date) -> Decision:
    """Convert one achievement under the standards effective ``on`` (the decision date)."""
    evidence = facts.evidence
    for compiled in catalogue.candidates(facts.kind):
        doc = compiled.document
        if doc.effective_from is not None and doc.effective_from > on:
            continue
        if any(evidence.get(name) != value for name, value in compiled.match):
            continue
        amount = _base(compiled.rule, evidence)
        if amount is None:
            continue
        return _capped(facts, compiled, amount, history, on)
    return _no_rule(facts)


def _capped(facts: Facts, compiled: _Compiled, amount: int, history: History, on: date) -> Decision:
    doc, rule, ref = compiled.document, compiled.rule, compiled.ref
    domain = facts.domain or rule.domain or doc.domain
    base = amount
    applied: list[str] = []
    if doc.validity_years is not None and _years_before(on, doc.validity_years) > (
        facts.completed_on
    ):
        amount = 0
        applied.append(f"validity:{doc.validity_years}y")
    if rule.max_half_credits is not None and amount > rule.max_half_credits:
        amount = rule.max_half_credits
        applied.append(f"rule_max:{rule.max_half_credits}")
    sid, caps = doc.standard_id, doc.caps
    if caps.per_year is not None:
        room = max(0, caps.per_year - history.per_year.get((sid, facts.completed_on.year), 0))
        if amount > room:
            amount = room
            applied.append(f"per_year:{caps.per_year}")
    kind_cap = caps.per_kind.get(facts.kind)  # type: ignore[call-overload]
    if kind_cap is not None:
        room = max(0, kind_cap - history.per_kind.get((sid, facts.kind), 0))
        if amount > room:
            amount = room
            applied.append(f"per_kind:{kind_cap}")
    if caps.per_source is not None:
        room = max(0, caps.per_source - history.per_source.get((sid, facts.source), 0))
        if amount > room:
            amount = room
            applied.append(f"per_source:{caps.per_source}")
    credits = _credits(amount)
    zh = f"{rule.label_zh}：按{ref}规则{rule.id}认定{credits}学分"
    en = f"{rule.label_en}: {credits} credits under {ref} rule {rule.id}"
    if applied:
        zh += f"（规则所得{_credits(base)}学分，受限：{'、'.join(applied)}）"
        en += f" ({_credits(base)} before limits: {', '.join(applied)})"
    if doc.defaults:
        zh += "；示范默认值，待专家委员会确定"
        en += "; illustrative default pending the expert committee"
    return Decision(amount, ref, rule.id, domain, tuple(applied), zh, en)


def _years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February in a non-leap target year
        return on.replace(year=on.year - years, day=28)
