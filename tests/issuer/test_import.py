"""creditbank import achievements: bad rows reported and unchanged, reruns deposit nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from issuer.cli import run
from issuer.conversion.csv_import import RowResult, import_achievements
from issuer.core import csv_batches
from issuer.core.errors import NotFound
from issuer.core.settings import Settings
from tests.issuer.factories import create_learner, new_code, row_counts

pytestmark = pytest.mark.db

COLUMNS = [
    "learner_id",
    "kind",
    "external_ref",
    "completed_on",
    "title",
    "course_type",
    "hours",
    "domain",
    "grade",
    "occupation_name",
    "occupation_code",
    "level",
    "certificate_number",
    "certifying_body",
    "provider",
    "months",
    "employer",
    "attestation",
]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), "utf-8")
    return path


def rows_for(learner: int, other: int) -> list[dict[str, Any]]:
    tag = new_code("R")
    return [
        {  # line 2: good course
            "learner_id": learner,
            "kind": "course",
            "external_ref": f"{tag}-1",
            "completed_on": "2025-06-30",
            "title": "数控加工",
            "course_type": "practice",
            "hours": "64",
            "domain": "AM",
            "grade": "合格",
        },
        {  # line 3: good vocational certificate
            "learner_id": learner,
            "kind": "vocational_cert",
            "external_ref": f"{tag}-2",
            "completed_on": "2025-05-01",
            "occupation_name": "农机修理工",
            "occupation_code": "6-31-01-05",
            "level": "四级",
            "certificate_number": f"AG-{tag}",
            "certifying_body": "某鉴定站",
        },
        {  # line 4: bad level
            "learner_id": learner,
            "kind": "vocational_cert",
            "external_ref": f"{tag}-3",
            "completed_on": "2025-05-01",
            "occupation_name": "农机修理工",
            "occupation_code": "6-31-01-05",
            "level": "九级",
            "certificate_number": f"AG-{tag}-X",
            "certifying_body": "某鉴定站",
        },
        {  # line 5: no external_ref
            "learner_id": learner,
            "kind": "training",
            "completed_on": "2025-05-01",
            "hours": "40",
            "provider": "某培训机构",
        },
        {  # line 6: same certificate as line 3, another learner
            "learner_id": other,
            "kind": "vocational_cert",
            "external_ref": f"{tag}-4",
            "completed_on": "2025-05-01",
            "occupation_name": "农机修理工",
            "occupation_code": "6-31-01-05",
            "level": "四级",
            "certificate_number": f"AG-{tag}",
            "certifying_body": "某鉴定站",
        },
        {  # line 7: unknown learner
            "learner_id": 99_999_999,
            "kind": "training",
            "external_ref": f"{tag}-5",
            "completed_on": "2025-05-01",
            "hours": "40",
            "provider": "某培训机构",
        },
        {  # line 8: good work experience (waits for review)
            "learner_id": other,
            "kind": "work_experience",
            "external_ref": f"{tag}-6",
            "completed_on": "2025-05-01",
            "occupation_name": "农业经理人",
            "months": "12",
            "employer": "某合作社",
            "attestation": "合作社证明 2025-3",
        },
    ]


def test_bad_rows_are_reported_good_rows_applied_rerun_deposits_nothing(
    client: TestClient,
    inst_a: dict[str, Any],
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
) -> None:
    learner = create_learner(client, inst_a["headers"])["id"]
    other = create_learner(client, inst_a["headers"])["id"]
    path = write_csv(tmp_path / "a.csv", rows_for(learner, other))
    seen: list[tuple[int, int]] = []
    rows: list[RowResult] = []
    report = import_achievements(
        engine,
        settings,
        inst_a["code"],
        path,
        progress=lambda d, t: seen.append((d, t)),
        on_row=rows.append,
    )
    assert seen[-1] == (7, 7)
    assert [row.line for row in rows] == list(range(2, 9)), "in file order"
    by_line = {row.line: row for row in rows}
    assert report.bad == [row for row in rows if row.status == "bad"]
    assert [by_line[n].status for n in range(2, 9)] == [
        "recorded",
        "recorded",
        "bad",
        "bad",
        "bad",
        "bad",
        "pending_review",
    ]
    assert "level" in by_line[4].detail
    assert "external_ref" in by_line[5].detail
    assert by_line[6].detail.startswith("duplicate_certificate")
    assert by_line[7].detail.startswith("not_found")
    assert by_line[3].half_credits == 6

    account = client.get(f"/learners/{learner}/account", headers=admin).json()
    assert account["balance_half_credits"] == 4 + 6

    before = row_counts(engine)
    again = import_achievements(engine, settings, inst_a["code"], path)
    assert row_counts(engine) == before
    assert again.count("skipped") == 3
    assert len(again.bad) == 4


def test_batches_keep_each_rows_outcome_and_reruns_record_nothing(
    client: TestClient,
    inst_a: dict[str, Any],
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batches of 3 rows: the refused rows of a batch roll back alone, the rest commit."""
    monkeypatch.setattr(csv_batches, "BATCH", 3)
    learner = create_learner(client, inst_a["headers"])["id"]
    other = create_learner(client, inst_a["headers"])["id"]
    path = write_csv(tmp_path / "batches.csv", rows_for(learner, other) * 2)
    seen: list[tuple[int, int]] = []
    rows: list[RowResult] = []
    import_achievements(
        engine,
        settings,
        inst_a["code"],
        path,
        progress=lambda d, t: seen.append((d, t)),
        on_row=rows.append,
    )
    assert seen == [(3, 14), (6, 14), (9, 14), (12, 14), (14, 14)]
    # Lines 9-15 repeat lines 2-8: their records exist by then and are skipped.
    assert [row.status for row in rows[7:]] == [
        "skipped",
        "skipped",
        "bad",
        "bad",
        "bad",
        "bad",
        "skipped",
    ]
    account = client.get(f"/learners/{learner}/account", headers=admin).json()
    assert account["balance_half_credits"] == 4 + 6
    before = row_counts(engine)
    again = import_achievements(engine, settings, inst_a["code"], path)
    assert row_counts(engine) == before
    assert (again.count("skipped"), again.count("bad")) == (6, 8)


def test_unknown_institution(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(NotFound):
        import_achievements(engine, settings, "NO-SUCH", path)


def test_cli_import(
    client: TestClient,
    inst_a: dict[str, Any],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    learner = create_learner(client, inst_a["headers"])["id"]
    other = create_learner(client, inst_a["headers"])["id"]
    path = write_csv(tmp_path / "b.csv", rows_for(learner, other))
    monkeypatch.setenv("CREDITBANK_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("CREDITBANK_HOME", str(tmp_path))
    argv = ["import", "achievements", str(path), "--institution", inst_a["code"]]
    assert run(argv) == 1
    out, err = capsys.readouterr()
    assert "recorded 2, pending review 1, already recorded 0, bad 4" in out
    assert f"{path}:4: level" in err
    assert "7/7 rows" in err
    assert run([*argv, "--json"]) == 1
    out, _ = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(row["line"], row["status"]) for row in lines][:2] == [(2, "skipped"), (3, "skipped")]
    assert len(lines) == 7
    good = write_csv(tmp_path / "c.csv", rows_for(learner, other)[:2])
    assert run(["import", "achievements", str(good), "--institution", inst_a["code"]]) == 0
    assert run([*argv[:2], str(tmp_path / "missing.csv"), *argv[3:]]) == 1
    assert run([*argv[:4], "NO-SUCH"]) == 1
    _, err = capsys.readouterr()
    assert "not_found: institution NO-SUCH does not exist" in err
