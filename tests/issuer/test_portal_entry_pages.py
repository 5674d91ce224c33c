"""The portal's account overview lists the entries a page at a time; balances cover all."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.bank import ledger
from issuer.portal.pages import ENTRIES_PER_PAGE
from tests.issuer.factories import create_learner
from tests.issuer.test_portal import PASSWORD, sign_in

pytestmark = pytest.mark.db


def _rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="entry-(\d+)">', html)]


def test_entries_come_a_page_at_a_time(
    app: FastAPI, client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    learner: dict[str, Any] = create_learner(client, admin)
    with Session(engine) as session:
        for _ in range(ENTRIES_PER_PAGE + 5):
            ledger.append(
                session,
                learner_id=learner["id"],
                kind="deposit",
                half_credits=2,
                domain="AM",
                standard="GE-HOURS@1",
                rule="theory-16h",
                explanation="分页 paging",
            )
        session.commit()
    set_pw = client.put(
        f"/learners/{learner['id']}/password", json={"password": PASSWORD}, headers=admin
    )
    assert set_pw.status_code == 204
    browser = TestClient(app, follow_redirects=False)
    assert sign_in(browser, learner["id"]).status_code == 303
    first = browser.get("/portal/account")
    assert first.status_code == 200
    assert _rows(first.text) == list(range(1, ENTRIES_PER_PAGE + 1))
    assert f'href="/portal/account?after={ENTRIES_PER_PAGE}#entries"' in first.text
    assert 'id="entries-first"' not in first.text
    # The balance is over every entry, not the page: 55 × 1 credit.
    assert ">55<" in first.text.replace(" ", "")
    second = browser.get(f"/portal/account?after={ENTRIES_PER_PAGE}")
    assert _rows(second.text) == list(range(ENTRIES_PER_PAGE + 1, ENTRIES_PER_PAGE + 6))
    assert 'id="entries-next"' not in second.text and 'id="entries-first"' in second.text
    assert browser.get("/portal/account?after=-1").status_code == 422
