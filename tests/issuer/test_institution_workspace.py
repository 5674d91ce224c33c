"""The institution workspace: its forms, its CSV jobs and their refusals, through the pages."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from issuer.core.settings import Settings
from issuer.jobs import import_jobs
from issuer.models import Achievement, ImportJob, Learner, LedgerEntry
from tests.issuer.factories import create_learner, new_national_id
from tests.issuer.staff_factories import csrf_of, make_staff, sign_in

pytestmark = pytest.mark.db

COLUMNS = [
    "learner_id",
    "kind",
    "external_ref",
    "title",
    "course_type",
    "hours",
    "domain",
    "grade",
    "completed_on",
]


@pytest.fixture()
def desk(
    app: FastAPI, engine: Engine, settings: Settings, inst_a: dict[str, Any]
) -> dict[str, Any]:
    member = make_staff(engine, settings, "institution", institution_id=inst_a["id"])
    browser = TestClient(app)
    sign_in(browser, member)
    return {"browser": browser, "base": f"/console/workspace/{inst_a['id']}", "member": member}


def _code(html: str) -> str:
    found = re.search(r'id="error" role="alert" data-code="([a-z_]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def _course(learner: int, ref: str, **extra: Any) -> dict[str, Any]:
    row = {
        "learner_id": learner,
        "kind": "course",
        "external_ref": ref,
        "title": "数控加工",
        "course_type": "theory",
        "hours": 32,
        "domain": "AM",
        "grade": "85",
        "completed_on": "2024-06-30",
    }
    return {**row, **extra}


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _deposits(engine: Engine, learner_id: int) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(col(LedgerEntry.learner_id) == learner_id)
        return int(session.exec(query).one())


def test_the_form_records_an_achievement_and_says_what_it_earned(
    desk: dict[str, Any], client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    browser, base = desk["browser"], desk["base"]
    learner = create_learner(client, admin)["id"]
    form = browser.get(f"{base}/achievements/new?kind=course")
    assert form.status_code == 200 and 'name="course_type"' in form.text
    fields = {k: str(v) for k, v in _course(learner, "F-1").items()}
    done = browser.post(f"{base}/achievements", data={**fields, "csrf": csrf_of(form.text)})
    assert done.status_code == 200, done.text
    assert 'id="result" data-status="recognised"' in done.text
    assert "2.0" in done.text  # 32 theory hours: 2 credits, in words
    assert _deposits(engine, learner) == 1
    listing = browser.get(f"{base}?kind=course&learner={learner}")
    assert listing.status_code == 200 and "数控加工" in listing.text
    assert 'id="records-total">(1)' in listing.text


def test_every_kind_has_a_form(desk: dict[str, Any]) -> None:
    for kind in ("vocational_cert", "one_plus_x", "training", "work_experience", "award"):
        form = desk["browser"].get(f"{desk['base']}/achievements/new?kind={kind}")
        assert form.status_code == 200 and f'name="kind" value="{kind}"' in form.text


def test_an_achievement_for_a_learner_without_an_account_is_refused(
    desk: dict[str, Any], engine: Engine
) -> None:
    browser, base = desk["browser"], desk["base"]
    csrf = csrf_of(browser.get(f"{base}/achievements/new").text)
    fields = {k: str(v) for k, v in _course(99_999_999, "F-missing").items()}
    refused = browser.post(f"{base}/achievements", data={**fields, "csrf": csrf})
    assert refused.status_code == 404 and _code(refused.text) == "not_found"
    assert "没有这个账号" in refused.text or "no account" in refused.text
    with Session(engine) as session:
        query = select(Achievement).where(col(Achievement.external_ref) == "F-missing")
        assert session.exec(query).first() is None


def test_bad_evidence_is_refused_with_its_field(
    desk: dict[str, Any], client: TestClient, admin: dict[str, str]
) -> None:
    browser, base = desk["browser"], desk["base"]
    learner = create_learner(client, admin)["id"]
    csrf = csrf_of(browser.get(f"{base}/achievements/new").text)
    fields = {k: str(v) for k, v in _course(learner, "F-bad", hours="many").items()}
    refused = browser.post(f"{base}/achievements", data={**fields, "csrf": csrf})
    assert refused.status_code == 422 and _code(refused.text) == "invalid_request"
    assert "hours" in refused.text


def test_the_account_form_opens_one_account_with_the_import_rules(
    desk: dict[str, Any], engine: Engine
) -> None:
    browser, base = desk["browser"], desk["base"]
    nid = new_national_id()
    csrf = csrf_of(browser.get(f"{base}/accounts/new").text)
    opened = browser.post(
        f"{base}/accounts", data={"csrf": csrf, "name": "王小丽", "national_id": nid}
    )
    assert opened.status_code == 200 and 'id="opened"' in opened.text
    account = int(re.search(r'data-account="(\d+)"', opened.text).group(1))  # type: ignore[union-attr]
    with Session(engine) as session:
        learner = session.get(Learner, account)
        assert learner is not None and learner.opened_by_institution_id is not None
    again = browser.post(f"{base}/accounts", data={"csrf": csrf, "name": "王", "national_id": nid})
    assert again.status_code == 409 and _code(again.text) == "learner_exists"
    assert nid not in again.text  # the clear ID is not sent back
    bad = browser.post(
        f"{base}/accounts", data={"csrf": csrf, "name": "王", "national_id": "410105199001011234"}
    )
    assert bad.status_code == 422 and _code(bad.text) == "invalid_national_id"
    mobile = browser.post(
        f"{base}/accounts",
        data={"csrf": csrf, "name": "王", "national_id": new_national_id(), "mobile": "12"},
    )
    assert mobile.status_code == 422 and _code(mobile.text) == "invalid_request"


def test_another_institutions_workspace_is_out_of_scope(
    desk: dict[str, Any], inst_b: dict[str, Any], client: TestClient, admin: dict[str, str]
) -> None:
    browser = desk["browser"]
    other = f"/console/workspace/{inst_b['id']}"
    assert 'data-code="out_of_scope"' in browser.get(other).text
    csrf = csrf_of(browser.get(f"{desk['base']}/accounts/new").text)
    learner = create_learner(client, admin)["id"]
    fields = {k: str(v) for k, v in _course(learner, "F-other").items()}
    posted = browser.post(f"{other}/achievements", data={**fields, "csrf": csrf})
    assert posted.status_code == 403 and 'data-code="out_of_scope"' in posted.text


def test_forms_and_uploads_without_their_csrf_token_are_refused(desk: dict[str, Any]) -> None:
    browser, base = desk["browser"], desk["base"]
    posted = browser.post(f"{base}/accounts", data={"name": "王", "national_id": "x"})
    assert posted.status_code == 403 and 'data-code="csrf_failed"' in posted.text
    uploaded = browser.post(
        f"{base}/imports",
        data={"kind": "learners"},
        files=[("file", ("a.csv", b"name,national_id\n", "text/csv"))],
    )
    assert uploaded.status_code == 403 and 'data-code="csrf_failed"' in uploaded.text


def _upload(desk: dict[str, Any], kind: str, name: str, data: bytes) -> Any:
    browser, base = desk["browser"], desk["base"]
    csrf = csrf_of(browser.get(f"{base}/imports").text)
    return browser.post(
        f"{base}/imports",
        data={"csrf": csrf, "kind": kind},
        files=[("file", (name, data, "text/csv"))],
        follow_redirects=False,
    )


def _jobs(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(ImportJob)).one())


@pytest.mark.parametrize(
    ("kind", "data", "code"),
    [
        ("achievements", b"%PDF-1.7\x00\x01\x02binary", "csv_unreadable"),
        ("achievements", "learner_id,kind\n".encode("gbk"), "csv_header"),
        ("learners", "姓名,身份证\n张三,1\n".encode("gbk"), "csv_unreadable"),
        ("learners", b"name,mobile\nx,1\n", "csv_header"),
        ("achievements", b"", "invalid_request"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_before_a_job_starts(
    desk: dict[str, Any], engine: Engine, kind: str, data: bytes, code: str
) -> None:
    before = _jobs(engine)
    refused = _upload(desk, kind, "bad.csv", data)
    assert refused.status_code == 422 and _code(refused.text) == code
    assert _jobs(engine) == before


def test_a_job_deposits_the_good_rows_reports_every_row_and_runs_once(
    desk: dict[str, Any],
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
) -> None:
    learner = create_learner(client, admin)["id"]
    rows = [_course(learner, f"J-{n}", title=f"课程{n}") for n in range(250)]
    rows[10]["hours"] = "x"  # refused alone
    rows[20]["learner_id"] = 99_999_999  # no such account
    queued = _upload(desk, "achievements", "courses.csv", _csv(rows))
    assert queued.status_code == 303, queued.text
    job_path = queued.headers["location"]
    job_id = int(job_path.rsplit("/", 1)[1])
    page = desk["browser"].get(job_path)
    assert page.status_code == 200 and 'id="job-bar"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert desk["browser"].get(f"{job_path}/status").json()["state"] == "queued"

    import_jobs.run_job(engine, settings, job_id)
    import_jobs.run_job(engine, settings, job_id)  # a second delivery changes nothing
    status = desk["browser"].get(f"{job_path}/status").json()
    assert status["state"] == "done" and status["done"] == status["total"] == 250
    assert (status["recorded"], status["bad"], status["percent"]) == (248, 2, 100)
    assert _deposits(engine, learner) == 248
    report = desk["browser"].get(f"{job_path}/report.csv")
    lines = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [int(r["line"]) for r in lines] == list(range(2, 252))
    refused = {int(r["line"]): r["detail"] for r in lines if r["status"] == "bad"}
    assert sorted(refused) == [12, 22] and "hours" in refused[12]
    assert "not_found" in refused[22]


def test_a_job_of_another_institution_is_not_shown(
    desk: dict[str, Any], app: FastAPI, engine: Engine, settings: Settings, inst_b: dict[str, Any]
) -> None:
    other = make_staff(engine, settings, "institution", institution_id=inst_b["id"])
    theirs = TestClient(app)
    sign_in(theirs, other)
    queued = _upload(
        desk, "learners", "a.csv", f"name,national_id\n王,{new_national_id()}\n".encode()
    )
    job_id = queued.headers["location"].rsplit("/", 1)[1]
    seen = theirs.get(f"/console/workspace/{inst_b['id']}/imports/{job_id}/report.csv")
    assert seen.status_code == 404 and 'data-code="not_found"' in seen.text
