"""A decision's explanation as the learner reads it: the standard by its title, no codes.

Decisions store their explanation as written when they were made (``"<zh>\\n<en>"``,
hash-chained in the ledger), with the standard as ``ID@version``, the rule's id and the
caps that applied as codes (``per_year:20``). Pages show the standard's title from its
stored document instead, leave the rule id out (the rule's label is already in the text)
and say each cap in words; the stored text itself is never changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import Session

from issuer.conversion import standards
from issuer.core.errors import NotFound

__all__ = ["Titles", "named", "standard_titles"]

#: ``ID@version`` → the standard's (Chinese, English) title.
Titles = dict[str, tuple[str, str]]
_CAP = re.compile(r"(per_year|per_kind|per_source|rule_max):(\d+)|validity:(\d+)y")
_CAP_WORDS = {
    "zh": {
        "per_year": "每年至多{}学分",
        "per_kind": "同类成果至多{}学分",
        "per_source": "同一来源至多{}学分",
        "rule_max": "本规则至多{}学分",
        "validity": "{}年内有效",
    },
    "en": {
        "per_year": "at most {} credits a year",
        "per_kind": "at most {} credits of this kind",
        "per_source": "at most {} credits from one source",
        "rule_max": "at most {} credits under this rule",
        "validity": "valid for {} years",
    },
}


def standard_titles(session: Session, refs: Iterable[str]) -> Titles:
    """The titles of the standards ``refs`` name (``ID@version``), as far as they are stored."""
    found: Titles = {}
    for ref in set(refs):
        standard_id, _, version = ref.partition("@")
        if not version.isdigit() or len(version) > 9:
            continue
        try:
            document = standards.document_of(
                standards.get_version(session, standard_id, int(version))
            )
        except NotFound:
            continue
        found[ref] = (document.title_zh, document.title_en)
    return found


def _cap(match: re.Match[str], language: str) -> str:
    if match.group(3) is not None:
        return _CAP_WORDS[language]["validity"].format(match.group(3))
    half = int(match.group(2))
    return _CAP_WORDS[language][match.group(1)].format(f"{half / 2:g}")


def named(text: str, standard: str, rule: str, titles: Titles, locale: str) -> str:
    """``text`` (one language of an explanation) with ``standard`` named and no codes."""
    zh = locale.startswith("zh")
    language = "zh" if zh else "en"
    text = _CAP.sub(lambda m: _cap(m, language), text)
    found = titles.get(standard)
    if found is None:
        return text
    if rule:
        text = text.replace(f"规则{rule}", "").replace(f" rule {rule}", "")
    return text.replace(standard, f"《{found[0]}》" if zh else f"“{found[1]}”")
