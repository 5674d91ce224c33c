"""Ledger kinds and signs, balances by kind, and whole-database verification (CLI too)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlmodel import Session

from issuer.bank import ledger
from issuer.bank.ledger_check import _canonical, verify_all
from issuer.cli import run
from issuer.core import migrate
from issuer.core.db import make_engine
from issuer.core.errors import InvalidRequest, LedgerCorrupt
from issuer.models import Learner, LedgerEntry
from tests.issuer.conftest import _create_pg_database, _drop_pg_database

pytestmark = pytest.mark.db


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A database of its own: whole-database verification must not see other tests' rows."""
    server = os.environ.get("CREDITBANK_TEST_DATABASE_URL")
    if server:
        name, url = _create_pg_database(server)
    else:
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        if server:
            _drop_pg_database(server, name)


def _learner(session: Session, n: int) -> int:
    learner = Learner(name=f"学员{n}", national_id_hmac=f"{n:064x}", national_id_masked="4101**1")
    session.add(learner)
    session.flush()
    assert learner.id is not None
    return learner.id


def _append(session: Session, learner_id: int, kind: str, half: int) -> LedgerEntry:
    return ledger.append(
        session,
        learner_id=learner_id,
        kind=kind,  # type: ignore[arg-type]
        half_credits=half,
        domain="AM",
        standard="AM-VOC@1",
        rule="robot-ops",
        explanation='测试 "quoted" \\ test',
    )


def _populate(engine: Engine) -> list[int]:
    with Session(engine) as session:
        ids = []
        for n in range(3):
            learner = _learner(session, n + 1)
            for kind, half in [("deposit", 8), ("adjustment", -2), ("redemption", -4)]:
                ids.append(_append(session, learner, kind, half).id or 0)
        session.commit()
    return ids


@pytest.mark.parametrize(
    ("kind", "half"),
    [
        ("deposit", 0),
        ("deposit", -2),
        ("reversal", 2),
        ("redemption", 4),
        ("transfer_out", 1),
        ("adjustment", 0),
        ("bonus", 2),
    ],
)
def test_wrong_sign_or_kind_is_refused(fresh: tuple[str, Engine], kind: str, half: int) -> None:
    with Session(fresh[1]) as session:
        learner = _learner(session, 1)
        with pytest.raises(InvalidRequest) as info:
            _append(session, learner, kind, half)
        assert info.value.code == "invalid_request"


def test_every_kind_chains_and_balances_by_kind(fresh: tuple[str, Engine]) -> None:
    with Session(fresh[1]) as session:
        learner = _learner(session, 1)
        for kind, half in [
            ("deposit", 10),
            ("reversal", -2),
            ("adjustment", 1),
            ("adjustment", -1),
            ("redemption", -4),
            ("transfer_out", -2),
        ]:
            _append(session, learner, kind, half)
        session.commit()
        ledger.verify_chain(session, learner)
        assert ledger.totals(session, learner) == {
            "AM": {
                "adjustment": 0,
                "deposit": 10,
                "redemption": -4,
                "reversal": -2,
                "transfer_out": -2,
            }
        }
    report = verify_all(fresh[1])
    assert (report.chains, report.entries) == (1, 6)


texts = st.text(max_size=40)


@settings(max_examples=200, deadline=None)
@given(texts, texts, texts, st.integers(-1000, 1000), st.none() | st.integers(1, 10**9))
def test_fast_canonical_form_matches_the_ledger(
    domain: str, rule: str, explanation: str, half: int, achievement_id: int | None
) -> None:
    created = datetime(2025, 3, 4, 5, 6, 7, 89, tzinfo=UTC)
    entry = LedgerEntry(
        learner_id=7,
        seq=3,
        kind="adjustment",
        half_credits=half,
        achievement_id=achievement_id,
        domain=domain,
        standard="GE-X@1",
        rule=rule,
        explanation=explanation,
        created_at=created,
        prev_hash="a" * 64,
        hash="",
    )
    row = (1, 7, 3, "adjustment", half, achievement_id, domain, "GE-X@1", rule, explanation)
    for stored in (created, "2025-03-04 05:06:07.000089", "2025-03-04T05:06:07.000089Z"):
        assert _canonical((*row, stored, "a" * 64, "")) == ledger.canonical_bytes(entry)


def test_edited_row_is_detected_and_named(fresh: tuple[str, Engine]) -> None:
    ids = _populate(fresh[1])
    assert verify_all(fresh[1]).entries == 9
    with fresh[1].begin() as connection:
        connection.execute(
            text("UPDATE ledger_entry SET half_credits = 80 WHERE id = :id"), {"id": ids[3]}
        )
    with pytest.raises(LedgerCorrupt) as info:
        verify_all(fresh[1])
    assert info.value.entry_id == ids[3]
    assert "content does not match its hash" in info.value.detail


def test_deleted_row_is_detected(fresh: tuple[str, Engine]) -> None:
    ids = _populate(fresh[1])
    with fresh[1].begin() as connection:
        connection.execute(text("DELETE FROM ledger_entry WHERE id = :id"), {"id": ids[4]})
    with pytest.raises(LedgerCorrupt) as info:
        verify_all(fresh[1])
    assert info.value.entry_id == ids[5]
    assert "sequence 3 where 2 was expected" in info.value.detail


@pytest.mark.parametrize("deleted", [[5], [0, 1, 2]], ids=["last-entry", "whole-chain"])
def test_deleted_tail_is_detected(fresh: tuple[str, Engine], deleted: list[int]) -> None:
    """A chain cut short is still consistent in itself; the learner row's head shows the cut."""
    ids = _populate(fresh[1])
    learner_id = 2 if deleted == [5] else 1
    with fresh[1].begin() as connection:
        for index in deleted:
            connection.execute(text("DELETE FROM ledger_entry WHERE id = :id"), {"id": ids[index]})
    with pytest.raises(LedgerCorrupt) as info:
        verify_all(fresh[1])
    assert info.value.code == "ledger_corrupt"
    assert info.value.entry_id is None
    assert f"learner {learner_id}: the chain ends at seq" in info.value.detail
    assert "head is seq 3" in info.value.detail
    with Session(fresh[1]) as session, pytest.raises(LedgerCorrupt):
        ledger.verify_chain(session, learner_id)


def test_cli_ledger_verify(
    fresh: tuple[str, Engine],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, engine = fresh
    ids = _populate(engine)
    monkeypatch.setenv("CREDITBANK_DATABASE_URL", url)
    monkeypatch.setenv("CREDITBANK_HOME", str(tmp_path))
    assert run(["ledger", "verify", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {
        "ok": True,
        "chains": 3,
        "entries": 9,
        "seconds": json.loads(out)["seconds"],
    }
    assert "9/9 entries" in err

    with engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_entry SET explanation = 'edited' WHERE id = :id"), {"id": ids[7]}
        )
    assert run(["ledger", "verify"]) == 1
    _, err = capsys.readouterr()
    assert f"ledger_corrupt: ledger entry {ids[7]}" in err
    assert run(["ledger", "verify", "--json", "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["entry_id"] == ids[7]
    assert err == ""
