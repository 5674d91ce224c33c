"""Every message has its translation; pages speak Chinese first and English on request.

Message ids are extracted from the code and templates exactly as `make messages` does
(babel.cfg, keywords ``N_`` and ``translate``), so a new text without a translation fails
here rather than showing up in English on a Chinese page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuer.core import i18n, labels

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "translate": (2,)}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def message_ids() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(
        str(ROOT / "issuer"), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def untranslated(ids: set[str], locale: str) -> list[str]:
    """Ids without a usable translation in ``locale``'s catalog (missing, empty, fuzzy, or
    with other placeholders than the id)."""
    path = ROOT / "issuer" / "core" / "locale" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    bad = []
    for message_id in sorted(ids):
        entry = catalog.get(message_id)
        translated = str(entry.string) if entry is not None and not entry.fuzzy else ""
        wanted = set(_PLACEHOLDER.findall(message_id))
        if not translated or set(_PLACEHOLDER.findall(translated)) != wanted:
            bad.append(message_id)
    return bad


def test_every_message_is_translated() -> None:
    ids = message_ids()
    assert "Sign in" in ids and "Transferred to a university" in ids  # templates and N_ both
    for locale in i18n.LOCALES:
        if locale != "en":
            assert untranslated(ids, locale) == []


def test_the_check_finds_a_missing_translation() -> None:
    assert untranslated({"A text nobody translated"}, "zh_Hans") == ["A text nobody translated"]


def test_every_label_is_a_message() -> None:
    ids = message_ids()
    for table in (labels.DOMAINS, labels.ENTRY_KINDS, labels.CREDENTIAL_STATUSES):
        assert set(table.values()) <= ids


@pytest.mark.parametrize(
    ("accept_language", "cookie", "expected"),
    [
        (None, None, "zh_Hans"),
        ("en-US,en;q=0.9", None, "en"),
        ("zh-Hans-CN,zh;q=0.9,en;q=0.8", None, "zh_Hans"),
        ("en;q=0.5, zh-CN;q=0.9", None, "zh_Hans"),
        ("fr-FR, de;q=0.8", None, "zh_Hans"),
        ("fr, en;q=0.3", None, "en"),
        ("en;q=bad, zh", None, "zh_Hans"),
        ("zh-CN", "en", "en"),
        ("en", "xx", "en"),
    ],
)
def test_negotiation(accept_language: str | None, cookie: str | None, expected: str) -> None:
    assert i18n.negotiate(accept_language, cookie) == expected


def test_dates_are_in_the_bank_time_zone() -> None:
    late = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # already 2 December in Shanghai
    assert i18n.format_date(late, "zh_Hans") == "2026年12月2日"
    assert i18n.format_datetime(late, "en") == "Dec 2, 2026 1:30\u202fAM"  # CLDR narrow space


def test_two_language_texts_show_one_language() -> None:
    assert labels.in_language("理论课\nTheory course", "zh_Hans") == "理论课"
    assert labels.in_language("理论课\nTheory course", "en") == "Theory course"
    assert labels.in_language("兑换 / redeemed", "en") == "兑换 / redeemed"


@pytest.mark.db
def test_pages_speak_chinese_first_and_english_when_asked(app: FastAPI) -> None:
    browser = TestClient(app, follow_redirects=False)
    chinese = browser.get("/portal/sign-in")
    assert '<html lang="zh-Hans">' in chinese.text and "学习账户号" in chinese.text
    assert "Learner account number" not in chinese.text
    english = browser.get("/portal/sign-in", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Learner account number" in english.text
    assert "学习账户号" not in english.text

    switched = browser.get("/portal/language/en", params={"next": "/portal/sign-in"})
    assert switched.status_code == 303 and switched.headers["location"] == "/portal/sign-in"
    assert "cb_lang=en" in switched.headers["set-cookie"]
    assert "Learner account number" in browser.get("/portal/sign-in").text  # remembered

    elsewhere = browser.get("/portal/language/zh_Hans", params={"next": "https://evil.example/"})
    assert elsewhere.headers["location"] == "/portal"  # never a redirect off the portal
    unknown = TestClient(app, follow_redirects=False).get("/portal/language/xx")
    assert "cb_lang" not in unknown.headers.get("set-cookie", "")
