"""The learner's pages speak in words: no domain code in the qualification text.

The demo learner's credits are advanced manufacturing (AM); toward the shipped modern
agriculture pathway (AG-ASSOC) they lack the domain minimum, which the account page says
with the domain's name in the reader's language, never with its code.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from issuer.portal.entry_words import named
from tests.issuer.committee_factories import signed_in_learner
from tests.issuer.test_portal_acts import _portal
from tests.issuer.test_qualifications import _credit

pytestmark = pytest.mark.db


def _progress_text(html: str) -> str:
    section = html.split('<section id="progress">')[1].split("</section>")[0]
    return re.sub(r"<[^>]+>", " ", section)


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("zh_Hans", ("现代农业领域学分", "通用领域学分")),
        ("en", ("in Modern agriculture", "in General")),
    ],
)
def test_the_account_pages_qualification_text_names_domains_not_codes(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    inst_a: dict[str, Any],
    lang: str,
    names: tuple[str, ...],
) -> None:
    learner = signed_in_learner(client, admin)
    _credit(engine, inst_a, learner["id"], "AM", "course", 11)
    browser = _portal(app, learner)
    browser.cookies.set("cb_lang", lang)
    text = _progress_text(browser.get("/portal/account?pathway=AG-ASSOC").text)
    for name in names:
        assert name in text
    # The option values of the chooser are pathway ids; only the words shown are checked.
    for code in ("AG", "GE", "AM", "AI"):
        assert re.search(rf"(?<![A-Za-z-]){code}(?![A-Za-z-])", text) is None, (code, text)


def test_an_explanation_names_its_standard_and_says_its_caps_in_words() -> None:
    titles = {"GE-LIFELONG@1": ("非学历学习成果学分转换通用标准", "General standard")}
    zh = "培训证书：按GE-LIFELONG@1规则training-20h认定4学分（规则所得6学分，受限：per_year:8）"
    shown = named(zh, "GE-LIFELONG@1", "training-20h", titles, "zh_Hans")
    assert shown == (
        "培训证书：按《非学历学习成果学分转换通用标准》认定4学分（规则所得6学分，受限：每年至多4学分）"
    )
    en = (
        "Training: 4 credits under GE-LIFELONG@1 rule training-20h (6 before limits: per_source:16)"
    )
    shown = named(en, "GE-LIFELONG@1", "training-20h", titles, "en")
    assert shown == (
        "Training: 4 credits under “General standard” (6 before limits: "
        "at most 8 credits from one source)"
    )
    # A standard not stored keeps its id: nothing is hidden.
    assert "XX@9" in named("按XX@9认定", "XX@9", "r", titles, "zh_Hans")
