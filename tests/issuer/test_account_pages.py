"""GET /learners/{id}/account: balances over every entry, the entries in pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from issuer.bank import ledger
from tests.issuer.factories import create_learner, problem

pytestmark = pytest.mark.db


def _append(session: Session, learner: int, kind: str, half: int, domain: str) -> None:
    ledger.append(
        session,
        learner_id=learner,
        kind=kind,  # type: ignore[arg-type]
        half_credits=half,
        domain=domain,
        standard="GE-HOURS@1",
        rule="theory-16h",
        explanation="测试 test",
    )


@pytest.fixture
def account(client: TestClient, admin: dict[str, str], engine: Engine) -> dict[str, Any]:
    learner = create_learner(client, admin)
    with Session(engine) as session:
        for kind, half, domain in [
            ("deposit", 4, "AM"),
            ("deposit", 2, "AI"),
            ("deposit", 6, "AM"),
            ("reversal", -2, "AI"),
            ("deposit", 3, "AM"),
        ]:
            _append(session, learner["id"], kind, half, domain)
        session.commit()
    return learner


def _get(client: TestClient, admin: dict[str, str], learner: int, **params: Any) -> Any:
    response = client.get(f"/learners/{learner}/account", params=params, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def test_pages_follow_the_cursor_and_every_page_shows_the_whole_balance(
    client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    seen, after, pages = [], 0, 0
    while True:
        body = _get(client, admin, account["id"], limit=2, after=after)
        pages += 1
        assert body["balance_half_credits"] == 13
        assert {d["domain"]: d["half_credits"] for d in body["by_domain"]} == {"AI": 0, "AM": 13}
        seen += [entry["seq"] for entry in body["entries"]]
        if body["next_after"] is None:
            break
        after = body["next_after"]
    assert (seen, pages) == ([1, 2, 3, 4, 5], 3)
    whole = _get(client, admin, account["id"])
    assert [e["seq"] for e in whole["entries"]] == [1, 2, 3, 4, 5]
    assert whole["next_after"] is None


def test_filters_choose_the_entries_listed_not_the_balance(
    client: TestClient, admin: dict[str, str], account: dict[str, Any]
) -> None:
    am = _get(client, admin, account["id"], domain="AM")
    assert [e["seq"] for e in am["entries"]] == [1, 3, 5]
    assert am["balance_half_credits"] == 13
    reversals = _get(client, admin, account["id"], kind="reversal")
    assert [e["seq"] for e in reversals["entries"]] == [4]
    today = datetime.now(UTC).date()
    assert len(_get(client, admin, account["id"], since=today, until=today)["entries"]) == 5
    tomorrow = today + timedelta(days=1)
    assert _get(client, admin, account["id"], since=tomorrow)["entries"] == []
    yesterday = today - timedelta(days=1)
    assert _get(client, admin, account["id"], until=yesterday)["entries"] == []


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"after": -1}, {"kind": "gift"}, {"since": "2025-13-01"}],
)
def test_bad_page_or_filter_is_invalid_request(
    client: TestClient, admin: dict[str, str], account: dict[str, Any], params: dict[str, Any]
) -> None:
    response = client.get(f"/learners/{account['id']}/account", params=params, headers=admin)
    problem(response, 422, "invalid_request")
