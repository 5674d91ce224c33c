"""creditbank import learners: accounts opened in bulk, bad rows reported, reruns open nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.bank.account_import import import_learners
from issuer.cli import run
from issuer.core.csv_batches import RowResult
from issuer.core.errors import NotFound
from issuer.core.settings import Settings
from issuer.models import AuditEvent, Learner
from tests.issuer.factories import new_national_id


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("name,national_id,mobile,email\n" + "\n".join(rows) + "\n", "utf-8")
    return path


@pytest.fixture
def rows() -> list[str]:
    return [
        f"张一,{new_national_id()},13800000001,zhang1@example.test",  # line 2: opened
        f"张二,{new_national_id()},,",  # line 3: opened, no contact
        "张三,41010519900101123X,,",  # line 4: bad check digit
        f",{new_national_id()},,",  # line 5: no name
        f"张五,{new_national_id()},12345,",  # line 6: bad mobile
        f"张六,{new_national_id()},13800000006,not-an-address",  # line 7: bad email
        f"张七,{new_national_id()},13800000007,",  # line 8: opened
    ]


@pytest.mark.db
def test_accounts_open_bad_rows_say_why_and_a_rerun_opens_nothing(
    engine: Engine, settings: Settings, inst_a: dict[str, Any], tmp_path: Path, rows: list[str]
) -> None:
    path = _csv(tmp_path / "people.csv", rows)
    seen: list[RowResult] = []
    report = import_learners(engine, settings, inst_a["code"], path, on_row=seen.append)
    assert [r.status for r in seen] == [
        "recorded",
        "recorded",
        "bad",
        "bad",
        "bad",
        "bad",
        "recorded",
    ]
    assert seen[2].detail.startswith("invalid_national_id")
    assert seen[3].detail.startswith("name:")
    assert seen[4].detail.startswith("mobile:") and seen[5].detail.startswith("email:")
    number = int(seen[0].detail.removeprefix("account "))
    with Session(engine) as session:
        learner = session.get(Learner, number)
        assert learner is not None and learner.name == "张一"
        assert (learner.mobile, learner.email) == ("13800000001", "zhang1@example.test")
        assert learner.password_hash is None
        assert learner.opened_by_institution_id == inst_a["id"]
        audited = session.exec(
            select(AuditEvent).where(col(AuditEvent.subject) == f"learner:{number}")
        ).all()
        assert [(e.actor, e.action) for e in audited] == [
            (f"institution:{inst_a['code']}", "learner.create")
        ]
    again = import_learners(engine, settings, inst_a["code"], path)
    assert (again.count("recorded"), again.count("skipped"), again.count("bad")) == (0, 3, 4)
    assert report.count("recorded") == 3


@pytest.mark.db
def test_the_cli_opens_accounts_and_reports_each_row(
    settings: Settings,
    inst_a: dict[str, Any],
    tmp_path: Path,
    rows: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _csv(tmp_path / "people.csv", rows)
    monkeypatch.setenv("CREDITBANK_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("CREDITBANK_HOME", str(tmp_path))
    argv = ["import", "learners", str(path), "--institution", inst_a["code"]]
    assert run(argv) == 1
    out, err = capsys.readouterr()
    assert "opened 3, already open 0, bad 4" in out
    assert f"{path}:4: invalid_national_id" in err and "7/7 rows" in err
    assert run([*argv, "--json"]) == 1
    out, _ = capsys.readouterr()
    statuses = [json.loads(line)["status"] for line in out.splitlines()]
    assert statuses == ["skipped", "skipped", "bad", "bad", "bad", "bad", "skipped"]
    assert run([*argv[:4], "NO-SUCH"]) == 1
    _, err = capsys.readouterr()
    assert "not_found: institution NO-SUCH does not exist" in err


def test_an_unknown_institution_is_not_found(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(NotFound):
        import_learners(engine, settings, "NO-SUCH", _csv(tmp_path / "e.csv", []))
